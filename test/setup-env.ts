// Runs in every test file before anything else is loaded.
import net from 'node:net';

// snowflake-sdk probes cloud metadata hosts when first loaded unless this is set (DESIGN §6).
process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION = 'true';
process.env.SF_TELEMETRY_DISABLE_CONNECTION_SHAPE = '1';

/**
 * No packet may leave loopback: any Node socket connection to another address fails the test loudly instead
 * of reaching the network. (Unix sockets and 127.0.0.0/8, ::1 and localhost are allowed.)
 */
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+|localhost)$/i;
const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const first = args[0];
  const options = (Array.isArray(first) ? first[0] : first) as { host?: string; path?: string } | number | string;
  let host: string | undefined;
  if (typeof options === 'object' && options !== null) host = options.path ? undefined : (options.host ?? 'localhost');
  else if (typeof options === 'number') host = typeof args[1] === 'string' ? args[1] : 'localhost';
  if (host !== undefined && !LOOPBACK.test(host)) {
    throw new Error(`test tried to connect to ${host}: only loopback addresses are allowed in tests`);
  }
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
