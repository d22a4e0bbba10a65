; Candidate test functions and the attributes that mark them. Whether an attribute list
; preceding a function holds #[test] is checked in Python (support.py), since attributes
; are siblings of the function, not children.
(function_item
  name: (identifier) @test.name) @test.function

(attribute_item
  (attribute
    (identifier) @test.attribute))

(attribute_item
  (attribute
    (scoped_identifier
      name: (identifier) @test.attribute)))
