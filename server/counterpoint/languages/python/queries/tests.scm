; Test functions and test classes (pytest conventions). Names are checked again in Python.
(function_definition
  name: (identifier) @test.name) @test.function

(class_definition
  name: (identifier) @test.class_name) @test.class
