// Starts the built DSN gateway as a child process for a test file, on a free port and with a fresh data
// directory (so each file starts from the fictional sample data only), and stops it again.
//
//   const gw = await startGateway();   // { baseUrl, fhirBase, mllpPort, dataDir, token(), stop(), output() }
//   const bearer = await gw.token({ sub: 'dr.test', scope: 'user/*.cruds', role: 'clinician', establishment: 'NIM' });
//   ... await gw.stop();
//
// Every /fhir request except /fhir/metadata and /fhir/.well-known/smart-configuration needs a bearer token.
// In Development the gateway trusts its development issuer, whose key lives in the data directory; token()
// mints such a token with the gateway's own CLI (`DsnGateway token ...`) for that same data directory.
//
// The gateway DLL is taken from env DSN_GATEWAY_DLL, else ../src/DsnGateway/bin/Debug/net10.0/DsnGateway.dll
// relative to this conformance folder. The `dotnet` host is env DOTNET (default `dotnet` on the PATH).
import { execFile, spawn } from 'node:child_process';
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
// Printed by the MLLP listener before Kestrel's line (hosted services start first).
const MLLP_LISTENING = /MLLP listening on \S+:(\d+)/;
const dotnet = () => process.env.DOTNET || 'dotnet';

/**
 * Mints a development access token with the gateway's CLI (`DsnGateway token`) for a data directory: the
 * gateway serving that directory in Development trusts it. Returns the token (a compact JWT).
 * @param {string} dataDir the gateway's --data-dir
 * @param {object} claims
 * @param {string} claims.sub
 * @param {string} claims.scope space-separated SMART scopes, e.g. "user/*.cruds"
 * @param {string} claims.role clinician, privacy-officer, system or admin
 * @param {string} [claims.establishment] NIM or MCQ (required by the CLI for clinician and system)
 * @param {string} [claims.patient] the patient claim (for patient/ scopes)
 * @param {string} [claims.fhirUser] e.g. Practitioner/95112
 * @param {string} [claims.clientId]
 * @param {string} [claims.lifetime] e.g. 1h
 * @param {string[]} [extraArgs] more CLI arguments (e.g. --config-dir)
 */
export async function mintDevelopmentToken(dataDir, claims, extraArgs = []) {
  const { sub, scope, role, establishment, patient, fhirUser, clientId, lifetime } = claims;
  const args = [gatewayDll, 'token', '--data-dir', dataDir, '--sub', sub, '--scope', scope, '--role', role];
  if (establishment) args.push('--establishment', establishment);
  if (patient) args.push('--patient', patient);
  if (fhirUser) args.push('--fhir-user', fhirUser);
  if (clientId) args.push('--client-id', clientId);
  if (lifetime) args.push('--lifetime', lifetime);
  args.push(...extraArgs);
  const stdout = await new Promise((resolve, reject) => {
    execFile(
      dotnet(),
      args,
      { cwd: dataDir, env: { ...process.env, DOTNET_ENVIRONMENT: 'Development', DOTNET_NOLOGO: '1' }, timeout: 60_000 },
      (err, out, errOut) => {
        if (err) reject(new Error(`DsnGateway token ${args.slice(2).join(' ')} failed (${err.code ?? err.signal}): ${errOut || out}`));
        else resolve(out);
      },
    );
  });
  const token = stdout.trim();
  if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) throw new Error(`DsnGateway token printed something else than a JWT: ${stdout.slice(0, 300)}`);
  return token;
}

/** The --config-dir among command-line arguments, to pass on to the CLI. */
function configDirArgs(extraArgs) {
  const i = extraArgs.indexOf('--config-dir');
  return i >= 0 && i + 1 < extraArgs.length ? ['--config-dir', extraArgs[i + 1]] : [];
}

/**
 * @param {object} [opts]
 * @param {number} [opts.timeoutMs=60000] how long to wait for the listening line
 * @param {string[]} [opts.extraArgs] more command-line arguments (e.g. --no-sample-data, --config-dir)
 * @param {Record<string,string>} [opts.env] more environment variables (e.g. DSN_Authentication__Authority)
 * @param {string} [opts.environment='Development'] DOTNET_ENVIRONMENT of the gateway (env may also set it)
 */
export async function startGateway({ timeoutMs = 60_000, extraArgs = [], env = {}, environment = 'Development' } = {}) {
  if (!existsSync(gatewayDll)) {
    throw new Error(`Gateway not built: ${gatewayDll} does not exist (build it, or set DSN_GATEWAY_DLL).`);
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'dsn-conformance-'));
  const args = [gatewayDll, '--urls', 'http://127.0.0.1:0', '--mllp', '127.0.0.1:0', '--data-dir', dataDir, ...extraArgs];
  const childEnv = { ...process.env, DOTNET_ENVIRONMENT: environment, DOTNET_NOLOGO: '1', ...env };
  // ASPNETCORE_ENVIRONMENT would win over DOTNET_ENVIRONMENT in a web host: never inherit a stray one.
  if (!('ASPNETCORE_ENVIRONMENT' in env)) delete childEnv.ASPNETCORE_ENVIRONMENT;
  const child = spawn(dotnet(), args, {
    cwd: dataDir,
    env: childEnv,
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

  const tokens = new Map();
  return {
    baseUrl,
    fhirBase: `${baseUrl}/fhir`,
    /** The MLLP port (from `--mllp 127.0.0.1:0`), or null when MLLP is switched off. */
    mllpPort: MLLP_LISTENING.test(log) ? Number(MLLP_LISTENING.exec(log)[1]) : null,
    dataDir,
    environment: childEnv.DOTNET_ENVIRONMENT,
    pid: child.pid,
    /**
     * A development token this gateway trusts (Development only), minted by the CLI for its data directory;
     * the same claims give the same (cached) token. See mintDevelopmentToken for the claims.
     */
    token(claims) {
      if (childEnv.DOTNET_ENVIRONMENT !== 'Development') {
        return Promise.reject(new Error(`token(): the gateway runs in ${childEnv.DOTNET_ENVIRONMENT}, where the development issuer is not trusted`));
      }
      const key = JSON.stringify(claims);
      if (!tokens.has(key)) {
        const minted = mintDevelopmentToken(dataDir, claims, configDirArgs(extraArgs));
        minted.catch(() => tokens.delete(key));
        tokens.set(key, minted);
      }
      return tokens.get(key);
    },
    /** What the gateway printed so far (for diagnostics). */
    output: () => log,
    stop,
  };
}
