import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
}

/** The functions a process spent the most samples in, by self time, from its .cpuprofile. */
export function topFunctions(file: string, count = 12): Array<{ share: number; where: string }> {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const hits = new Map<string, number>();
  let total = 0;

  for (const node of profile.nodes) {
    const samples = node.hitCount ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    const short = url
      .replace(/^.*node_modules\//, '')
      .replace(/^file:\/\/.*\/(apps|libs)\//, '$1/');
    const where = `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`;

    hits.set(where, (hits.get(where) ?? 0) + samples);
    total += samples;
  }

  return [...hits.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([where, samples]) => ({ share: total ? samples / total : 0, where }));
}

/** Prints the top of every profile in a directory, one file per process named after it. */
export function printProfiles(directory: string): void {
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.cpuprofile'))) {
    process.stdout.write(`\nCPU profile of ${file.replace(/\.cpuprofile$/, '')} (self time):\n`);

    for (const { share, where } of topFunctions(join(directory, file))) {
      process.stdout.write(`  ${(share * 100).toFixed(1).padStart(5)}%  ${where}\n`);
    }
  }
}
