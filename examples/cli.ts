/**
 * The examples' command line, `npm run example -- <name> [options]` (or `node dist/examples/cli.js`
 * after a build): a source checkout's, kept out of the package (which ships neither examples/
 * nor a command that needs it). Usage errors exit 2 with the message on stderr.
 */
import { exampleCommand } from './run.js';

try {
  await exampleCommand(process.argv.slice(2));
} catch (error) {
  const usage = error instanceof Error && (error.name === 'CliUsageError' || ('code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')));
  if (!usage) throw error;
  process.stderr.write(`example: ${error.message}\n`);
  process.exit(2);
}
