/**
 * The benchmark's command line, `npm run bench -- [options]` (or `node dist/bench/cli.js` after a
 * build): a development tool of the source checkout, kept out of the package (which ships
 * neither bench/ nor a command that needs it).
 */
import { runBench } from './main.js';

await runBench(process.argv.slice(2));
