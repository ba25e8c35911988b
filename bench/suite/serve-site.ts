/** `backchat serve` (dist/) for a test site, as the benches run it: a process of its own on loopback. */
import { type CliProcess, startProcess } from '../../test/helpers/cli-process.js';
import type { Site } from '../../test/helpers/server-process.js';

/** What `serve` prints once it accepts requests. */
const banner = /backchat is running at http:\/\/\S+\n/;

/** Starts the site's server and waits until it is running; if it does not start, the site is dropped. */
export async function serveSite(site: Site): Promise<CliProcess> {
  const args = ['serve', '--host', '127.0.0.1', '--port', String(site.port), '--data-dir', site.dataDir];
  const server = startProcess(args, { env: site.env, cwd: site.dataDir });
  try {
    await server.waitForStdout(banner, 60_000);
    return server;
  } catch (error) {
    server.child.kill('SIGKILL');
    await site.drop();
    throw error;
  }
}
