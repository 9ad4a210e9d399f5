// The feed's WebSocket (docs/feed-protocol.md): subscriptions that survive a
// dropped socket, a sequence gap or a silent server, each answered by a fresh
// snapshot, and a connection state the page shows.

import type { wire } from '@orderbook/client';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

/** What a subscription names (the server's `ChannelRequest` without the op). */
export type Channel = Omit<wire.ChannelRequest, 'channel'> & { channel: wire.ChannelName };

/**
 * A snapshot or delta (the server's `ChannelMessage`): `seq` is the market
 * events the channel's state reflects (the same on every feed replica); a
 * delta's `prev_seq` is the `seq` of the channel's previous message.
 */
export type ChannelMessage<T = wire.ChannelData> = Omit<wire.ChannelMessage, 'data'> & { data: T };

type Handler = (message: ChannelMessage) => void;

interface Subscription {
  channel: Channel;
  /** Views fed by the channel (the chart and the 24h figures may share the 1h candles). */
  handlers: Set<Handler>;
  /** The last `seq` applied; null until the snapshot arrives. */
  seq: number | null;
}

/** Reconnect delays: 0.5 s doubling to 5 s. */
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 5_000;
/** The server beats every 10 s: three missed beats mean the socket is dead. */
const SILENCE_MS = 30_000;

function keyOf(c: { market: string; channel: string; owner?: string; resolution?: number }): string {
  return `${c.market}/${c.channel}/${c.owner ?? ''}/${c.resolution ?? ''}`;
}

export class Feed {
  private socket: WebSocket | null = null;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly stateListeners = new Set<(state: ConnectionState, detail: string) => void>();
  private retryMs = RETRY_MIN_MS;
  private silenceTimer: ReturnType<typeof setTimeout> | undefined;
  state: ConnectionState = 'connecting';

  constructor(private readonly url: string) {}

  start(): void {
    this.connect();
  }

  onState(listener: (state: ConnectionState, detail: string) => void): void {
    this.stateListeners.add(listener);
    listener(this.state, '');
  }

  /** Subscribe `channel`; `handler` gets its snapshot, then deltas (again a snapshot after any reconnect or gap). */
  subscribe(channel: Channel, handler: Handler): () => void {
    const key = keyOf(channel);
    const existing = this.subscriptions.get(key);
    if (existing) {
      // The new view needs a snapshot too: start the channel again for all.
      existing.handlers.add(handler);
      this.restart(existing);
    } else {
      this.subscriptions.set(key, { channel, handlers: new Set([handler]), seq: null });
      this.send({ op: 'subscribe', ...channel });
    }
    return () => {
      const subscription = this.subscriptions.get(key);
      if (!subscription?.handlers.delete(handler) || subscription.handlers.size > 0) return;
      this.subscriptions.delete(key);
      this.send({ op: 'unsubscribe', ...channel });
    };
  }

  /** Unsubscribe and subscribe again: the next message is a fresh snapshot. */
  private restart(subscription: Subscription): void {
    subscription.seq = null;
    this.send({ op: 'unsubscribe', ...subscription.channel });
    this.send({ op: 'subscribe', ...subscription.channel });
  }

  private setState(state: ConnectionState, detail = ''): void {
    this.state = state;
    for (const listener of this.stateListeners) listener(state, detail);
  }

  private send(request: wire.ClientRequest): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(request));
  }

  private connect(): void {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = RETRY_MIN_MS;
      this.setState('live');
      for (const subscription of this.subscriptions.values()) {
        subscription.seq = null;
        this.send({ op: 'subscribe', ...subscription.channel });
      }
      this.watchSilence();
    };
    socket.onmessage = (event) => {
      this.watchSilence();
      this.route(JSON.parse(String(event.data)) as wire.ChannelMessage | wire.ControlMessage);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      clearTimeout(this.silenceTimer);
      const why = event.reason || `code ${event.code}`;
      this.setState('reconnecting', `${why}; retrying in ${(this.retryMs / 1000).toFixed(1)} s`);
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    };
  }

  private watchSilence(): void {
    clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => this.socket?.close(4000, 'no heartbeat from the feed'), SILENCE_MS);
  }

  private route(message: wire.ChannelMessage | wire.ControlMessage): void {
    if (message.type !== 'snapshot' && message.type !== 'delta') {
      if (message.type === 'error') console.warn('feed error', message);
      return;
    }
    const subscription = this.subscriptions.get(keyOf(message));
    if (!subscription) return;
    const seq = message.seq;
    if (message.type === 'snapshot') {
      subscription.seq = seq; // a snapshot replaces the state, whenever it comes
    } else if (subscription.seq === null || seq <= subscription.seq) {
      return; // before the snapshot of a resubscription, or already reflected
    } else if ((message.prev_seq ?? Infinity) > subscription.seq) {
      this.restart(subscription); // a lost message: start again from a snapshot
      return;
    } else {
      subscription.seq = seq;
    }
    for (const handler of subscription.handlers) handler(message);
  }
}
