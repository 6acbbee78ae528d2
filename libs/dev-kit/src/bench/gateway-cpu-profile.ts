import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
}

interface Share {
  share: number;
  where: string;
}

const NOT_WORK = new Set(['(idle)', '(program)']);

function shortUrl(url: string): string {
  return url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\//, '')
    .replace(/^.*\/(apps|libs)\//, '$1/');
}

// The package (or our own project) a frame belongs to, to see which layer the time goes to.
function layerOf(url: string): string {
  const short = shortUrl(url);
  if (!short) return '(native)';
  if (short.startsWith('node:')) return 'node';
  if (/^(apps|libs)\//.test(short)) return short.split('/').slice(0, 2).join('/');

  const parts = short.split('/');

  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? short);
}

function rank(hits: Map<string, number>, total: number, count: number): Share[] {
  return [...hits.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([where, samples]) => ({ share: total ? samples / total : 0, where }));
}

/**
 * Busy time of one process (idle excluded) by self time: the top functions, and the layers
 * (Node itself, each package, each of our projects) they belong to.
 */
export function summarize(file: string, count = 10): { functions: Share[]; layers: Share[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const functions = new Map<string, number>();
  const layers = new Map<string, number>();
  let busy = 0;

  for (const node of profile.nodes) {
    const samples = node.hitCount ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (samples === 0 || NOT_WORK.has(functionName)) continue;

    const short = shortUrl(url);
    const where = `${functionName || '(anonymous)'}${short ? ` ${short}:${lineNumber + 1}` : ''}`;

    functions.set(where, (functions.get(where) ?? 0) + samples);
    layers.set(layerOf(url), (layers.get(layerOf(url)) ?? 0) + samples);
    busy += samples;
  }

  return { functions: rank(functions, busy, count), layers: rank(layers, busy, 8) };
}

/** Prints the summary of every profile in a directory, one file per process named after it. */
export function printProfiles(directory: string): void {
  const percent = (share: number) => `${(share * 100).toFixed(1).padStart(5)}%`;

  for (const file of readdirSync(directory).filter((name) => name.endsWith('.cpuprofile'))) {
    const { functions, layers } = summarize(join(directory, file));

    process.stdout.write(`\n${file.replace(/\.cpuprofile$/, '')}: busy time by layer\n`);
    process.stdout.write(layers.map((l) => `  ${percent(l.share)}  ${l.where}`).join('\n'));
    process.stdout.write('\n  top functions (self time)\n');
    process.stdout.write(functions.map((f) => `    ${percent(f.share)}  ${f.where}`).join('\n'));
    process.stdout.write('\n');
  }
}
