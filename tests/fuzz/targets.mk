# One include per fuzz target fragment.
