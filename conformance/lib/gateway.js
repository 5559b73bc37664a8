// Starts the built DSN gateway as a child process for a test file, on a free port and with a fresh data
// directory (so each file starts from the fictional sample data only), and stops it again.
//
//   const gw = await startGateway();   // { baseUrl, fhirBase, stop(), output() }
//   ... await gw.stop();
//
// The gateway DLL is taken from env DSN_GATEWAY_DLL, else ../src/DsnGateway/bin/Debug/net10.0/DsnGateway.dll
// relative to this conformance folder. The `dotnet` host is env DOTNET (default `dotnet` on the PATH).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const conformanceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const gatewayDll = path.resolve(
  conformanceDir,
  process.env.DSN_GATEWAY_DLL || '../src/DsnGateway/bin/Debug/net10.0/DsnGateway.dll',
);

const LISTENING = /Now listening on:\s*(https?:\/\/[^\s]+)/;

/**
 * @param {object} [opts]
 * @param {number} [opts.timeoutMs=60000] how long to wait for the listening line
 * @param {string[]} [opts.extraArgs] more command-line arguments (e.g. --no-sample-data, --config-dir)
 * @param {Record<string,string>} [opts.env] more environment variables (e.g. OIDC settings in later suites)
 */
export async function startGateway({ timeoutMs = 60_000, extraArgs = [], env = {} } = {}) {
  if (!existsSync(gatewayDll)) {
    throw new Error(`Gateway not built: ${gatewayDll} does not exist (build it, or set DSN_GATEWAY_DLL).`);
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'dsn-conformance-'));
  const args = [gatewayDll, '--urls', 'http://127.0.0.1:0', '--data-dir', dataDir, ...extraArgs];
  const child = spawn(process.env.DOTNET || 'dotnet', args, {
    cwd: dataDir,
    env: { ...process.env, DOTNET_ENVIRONMENT: 'Development', DOTNET_NOLOGO: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let log = '';
  const keep = (chunk) => {
    log += chunk.toString();
    if (log.length > 200_000) log = log.slice(-100_000); // bounded, enough for a failure report
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  // If the test process ends without stop() (a crash, Ctrl+C), do not leave the gateway running.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  exited.then(() => process.off('exit', killOnExit));

  let stopped = false;
  async function stop() {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }

  let baseUrl;
  try {
    baseUrl = await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Gateway did not print its listening line within ${timeoutMs} ms.\n${log}`)),
        timeoutMs,
      );
      const onData = () => {
        const m = LISTENING.exec(log);
        if (m) {
          clearTimeout(timer);
          child.stdout.off('data', onData);
          child.stderr.off('data', onData);
          resolve(m[1].replace(/\/+$/, ''));
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`Gateway exited before listening (code ${code}, signal ${signal}).\n${log}`));
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    baseUrl,
    fhirBase: `${baseUrl}/fhir`,
    dataDir,
    pid: child.pid,
    /** What the gateway printed so far (for diagnostics). */
    output: () => log,
    stop,
  };
}
