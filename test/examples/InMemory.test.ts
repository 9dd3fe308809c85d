/** Runs the example in-memory test (`examples/in-memory.test.ts`) as part of the suite. */
import "../../examples/in-memory.test.ts"
