import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

/**
 * Loaded with `--require` (NODE_OPTIONS refuses --cpu-prof): profiles the process from SIGUSR2
 * (sent once the load starts, so start-up is left out) and writes `<LIYA_PROFILE_NAME>.cpuprofile`
 * into LIYA_PROFILE_DIR when it exits. The in-process inspector answers synchronously, so the
 * profile is complete even inside the exit handler.
 */
const directory = process.env.LIYA_PROFILE_DIR;
const name = process.env.LIYA_PROFILE_NAME ?? String(process.pid);

if (directory) {
  const session = new Session();

  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  process.once('SIGUSR2', () => session.post('Profiler.start'));

  process.on('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (!error)
        writeFileSync(join(directory, `${name}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
