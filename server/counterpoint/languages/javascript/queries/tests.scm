; Test cases: test(...) / it(...) calls with a literal name (node:test, vitest, jest).
(call_expression
  function: (identifier) @test.runner
  arguments: (arguments . (string (string_fragment) @test.name))) @test.call
