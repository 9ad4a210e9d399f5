import type { ChildProcess } from 'node:child_process';

export declare const workspace: string;
export declare const SLOT_MS: number;
export declare const FINALITY_LAG: number;
export declare const STATE_DEADLINE_MS: number;

export declare function freePorts(count: number): Promise<number[]>;
export declare function adjacentFreePorts(): Promise<[number, number]>;
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
  /** [rpc, ws]; default: free ports. */
  ports?: [number, number];
  /** Default SLOT_MS; null: the node's own (400 ms). */
  slotMs?: number | null;
  /** Default FINALITY_LAG; null: the node's own (32). */
  finalityLag?: number | null;
  /** Where the node's output goes; default: its stderr is kept for errors. */
  logFile?: string;
}): Promise<NodeProcess>;
