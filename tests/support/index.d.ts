import type { ChildProcess } from 'node:child_process';

export declare const workspace: string;
export declare const SLOT_MS: number;
export declare const FINALITY_LAG: number;
export declare const STATE_DEADLINE_MS: number;

export declare function freePorts(count: number): Promise<number[]>;
export declare function binaryPath(name: string, options?: { envVar?: string }): string;
export declare function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  options?: { child?: ChildProcess | null; timeoutMs?: number; intervalMs?: number },
): Promise<void>;
export declare function answers(url: string): Promise<boolean>;

export interface NodeProcess {
  child: ChildProcess;
  rpcUrl: string;
  wsUrl: string;
  stderr(): string;
  stop(): Promise<void>;
}
export declare function startNodeProcess(options: {
  ledger: string;
  extraArgs?: string[];
  slotMs?: number;
  finalityLag?: number;
}): Promise<NodeProcess>;
