import { startProviderStandIn } from '../stand-in/provider-stand-in';

/**
 * The provider stand-in in a process of its own for the gateway benchmark, so it neither shares
 * a CPU thread with the load generator nor keeps a record of every call.
 */
void startProviderStandIn(0, '127.0.0.1', { record: false }).then((standIn) => {
  process.stdout.write(`${standIn.port}\n`);

  // A plain exit, so that a --cpu-prof profile is written.
  const stop = () => void standIn.close().then(() => process.exit(0));

  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
});
