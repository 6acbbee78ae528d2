import { fragmentsOf, randomPartOf } from './system-fixture';

/** Where a piece of output came from, so a finding says exactly where to look. */
export type OutputKind = 'http' | 'log' | 'nats' | 'database' | 'jetstream' | 'metrics' | 'crash';

export interface Output {
  kind: OutputKind;
  where: string;
  text: string;
}

export interface LeakFinding {
  kind: OutputKind;
  where: string;
  canary: string;
  fragment: string;
}

/**
 * Searches outputs for any 8-character run of a planted key's random part. An allowance names an
 * output that may carry a key because the design needs it there (the encrypt request, say);
 * everything else that matches is a leak.
 */
export class LeakScanner {
  private readonly fragments = new Map<string, string[]>();

  constructor(canaries: Record<string, string>) {
    for (const [name, key] of Object.entries(canaries)) {
      this.fragments.set(name, fragmentsOf(randomPartOf(key)));
    }
  }

  scan(outputs: Iterable<Output>, allowed: (output: Output) => boolean = () => false) {
    const findings: LeakFinding[] = [];

    for (const output of outputs) {
      if (allowed(output)) continue;

      for (const [canary, fragments] of this.fragments) {
        const fragment = fragments.find((candidate) => output.text.includes(candidate));
        if (fragment) findings.push({ kind: output.kind, where: output.where, canary, fragment });
      }
    }

    return findings;
  }
}

export function describeFindings(findings: LeakFinding[]): string {
  return findings
    .map((finding) => `${finding.kind} ${finding.where}: canary ${finding.canary}`)
    .join('\n');
}
