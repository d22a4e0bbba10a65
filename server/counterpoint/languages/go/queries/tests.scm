; Test functions (go test conventions): top-level func TestXxx(t *testing.T).
; The name and the parameter are checked again in Python (support.py).
(source_file
  (function_declaration
    name: (identifier) @test.name
    parameters: (parameter_list) @test.parameters) @test.function)
