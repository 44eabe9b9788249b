import type { Channel, ConsumeMessage } from 'amqplib';

export interface Settleable {
  channel: Channel;
  message: ConsumeMessage;
}

/** Acks and nacks on a closed channel throw; the broker redelivers those messages anyway. */
export function settle(action: () => void): void {
  try {
    action();
  } catch {
    // The channel is gone: the message is back in the queue (and deduplicated if stored).
  }
}

/**
 * Settles a batch with one frame per channel, "everything up to this delivery". Sound because the
 * batch holds the oldest unsettled deliveries of each channel: earlier ones were settled, in
 * arrival order, before it.
 */
export function settleUpTo(
  batch: readonly Settleable[],
  action: (channel: Channel, last: ConsumeMessage) => void,
): void {
  const last = new Map<Channel, ConsumeMessage>();
  for (const { channel, message } of batch) last.set(channel, message);
  for (const [channel, message] of last) {
    settle(() => {
      action(channel, message);
    });
  }
}
