/**
 * What a service opened while starting, closed in reverse. A start-up step that fails (a port in
 * use, a broker that refuses) must not leave the pools opened before it behind: `startWith` closes
 * everything opened so far and rethrows, so no start-up needs a try/catch per resource.
 */
export class ResourceStack {
  private readonly closers: (() => unknown)[] = [];
  private closing: Promise<void> | undefined;

  /** Records how to close `resource` and hands it back. */
  open<T>(resource: T, close: (resource: T) => unknown): T {
    this.closers.push(() => close(resource));
    return resource;
  }

  /** Runs `start`; if it throws, closes what it opened (newest first) and rethrows. */
  async startWith<T>(start: (resources: this) => Promise<T>): Promise<T> {
    try {
      return await start(this);
    } catch (error) {
      // The start-up failure is the one worth reporting, not a closer's.
      await this.close().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Newest first, each awaited, every closer run even when one fails (the first failure is
   * rethrown once all ran). Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      let failure: { error: unknown } | undefined;
      for (const close of this.closers.reverse()) {
        try {
          await close();
        } catch (error) {
          failure ??= { error };
        }
      }
      if (failure) throw failure.error;
    })();
    return this.closing;
  }
}
