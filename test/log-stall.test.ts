/**
 * The log writer against a stdout nobody reads: the real command line runs with its stdout on a
 * pipe the test stops reading, at log level debug, and is driven with HTTP API requests (two debug
 * lines each) until its writes have filled the pipe and its buffer. It keeps answering, its log
 * buffer stays within log.maxBufferedBytes and the lines it cannot keep are counted; once the pipe
 * is read again, it reports how many it dropped and goes on writing.
 */
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import type { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { startCli } from './helpers/cli.js';
import { scrape, valueOf } from './helpers/metrics.js';

const MAX_BUFFERED_BYTES = 65_536;
const REQUESTS_PER_ROUND = 100;
/** Far more log output than any pipe and the buffer hold (about 50 KB per round). */
const MAX_ROUNDS = 400;

/** One unsigned API request (401: an "API auth failed" and an "API request" line); resolves with the status. */
function unsignedRequest(port: number, agent: Agent, appId = 'app-id'): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, agent, path: `/apps/${appId}/channels` }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end();
  });
}

/** Resolves with the output read from now on, once it contains `text`. */
function outputContaining(stream: Readable, text: string): Promise<string> {
  let output = '';
  return new Promise((resolve) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (!output.includes(text)) return;
      stream.off('data', onData);
      resolve(output);
    };
    stream.on('data', onData);
  });
}

describe('log output to a stalled stdout', () => {
  it('never blocks the server nor grows past log.maxBufferedBytes, counts the drops, and resumes', async () => {
    const cli = await startCli(['start', '--port', '0'], {
      SWITCHBOARD_LOG_LEVEL: 'debug',
      SWITCHBOARD_LOG_MAX_BUFFERED_BYTES: String(MAX_BUFFERED_BYTES),
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 10 });
    try {
      const adminLine = cli.lines.find((line) => line.includes('Admin listener on'));
      const adminPort = Number(/"port":(\d+)/.exec(adminLine ?? '')?.[1]);
      assert.ok(adminPort > 0, 'the admin listener logged its port');
      const adminUrl = `http://127.0.0.1:${adminPort}`;
      const stdout = cli.child.stdout;
      assert.ok(stdout !== null);
      // From here on nobody reads the server's stdout (beyond what the stream already buffered).
      stdout.pause();

      let dropped = 0;
      let rounds = 0;
      while (dropped === 0) {
        rounds += 1;
        assert.ok(rounds <= MAX_ROUNDS, 'no line was ever dropped');
        const statuses = await Promise.all(Array.from({ length: REQUESTS_PER_ROUND }, () => unsignedRequest(cli.port, agent)));
        assert.ok(statuses.every((status) => status === 401), 'the server answers while its stdout is stalled');
        const { samples } = await scrape(adminUrl);
        dropped = valueOf(samples, 'switchboard_log_dropped_lines_total');
        assert.ok(valueOf(samples, 'switchboard_log_buffered_bytes') <= MAX_BUFFERED_BYTES);
      }
      // Still stalled: more lines are dropped, the buffer stays within its bound, the server answers.
      await Promise.all(Array.from({ length: REQUESTS_PER_ROUND }, () => unsignedRequest(cli.port, agent)));
      const ready = await fetch(`http://127.0.0.1:${cli.port}/ready`);
      assert.equal(ready.status, 200);
      const { samples } = await scrape(adminUrl);
      const buffered = valueOf(samples, 'switchboard_log_buffered_bytes');
      assert.ok(buffered > 0 && buffered <= MAX_BUFFERED_BYTES, `buffered ${buffered} bytes`);
      assert.ok(valueOf(samples, 'switchboard_log_dropped_lines_total') >= dropped + REQUESTS_PER_ROUND, 'every line beyond the buffer is dropped');

      // Read again: the buffer drains, the drops are reported, and new lines are written.
      const summary = outputContaining(stdout, 'log lines were dropped');
      stdout.resume();
      const reported = await summary;
      const summaryLine = reported.split('\n').find((line) => line.includes('log lines were dropped')) ?? '';
      const summaryFields = JSON.parse(summaryLine) as { level: number; droppedLines: number };
      assert.equal(summaryFields.level, 40);
      assert.ok(summaryFields.droppedLines >= dropped + REQUESTS_PER_ROUND, `summary: ${summaryLine}`);
      const resumed = outputContaining(stdout, '"app":"after-the-stall"');
      assert.equal(await unsignedRequest(cli.port, agent, 'after-the-stall'), 404);
      await resumed;
    } finally {
      agent.destroy();
      cli.signal('SIGTERM');
      assert.equal(await cli.exited, 0);
    }
  });
});
