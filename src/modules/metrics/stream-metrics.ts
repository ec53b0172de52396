// What the live event stream reports to the metrics, with a no-op default (see
// core/ports.ts for why services get an interface, not prom-client).

export interface StreamMetrics {
  /** A client's stream opened (the lds_stream_clients gauge goes up). */
  streamOpened(): void;
  /** A client's stream ended, however it ended (the gauge goes down). */
  streamClosed(): void;
  /** A client was dropped because it did not take what was sent to it (lds_stream_clients_dropped_total). */
  streamClientDropped(): void;
}

export const NO_STREAM_METRICS: StreamMetrics = Object.freeze({
  streamOpened() {},
  streamClosed() {},
  streamClientDropped() {},
});
