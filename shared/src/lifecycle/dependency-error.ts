const HOW_TO_START = 'start it with `docker compose up -d postgres redis rabbitmq`';

/** A dependency could not be reached at start-up: reported as one line, never a stack trace. */
export class DependencyUnavailableError extends Error {
  constructor(
    readonly dependency: 'PostgreSQL' | 'Redis' | 'RabbitMQ',
    url: string,
    cause?: unknown,
  ) {
    super(`${dependency} is unreachable at ${redactUrl(url)}: ${HOW_TO_START} (or set its URL)`, {
      cause,
    });
    this.name = 'DependencyUnavailableError';
  }
}

/** host:port only; credentials never reach a log line. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return '(invalid URL)';
  }
}

export async function requireDependency<T>(
  dependency: DependencyUnavailableError['dependency'],
  url: string,
  connect: () => Promise<T>,
): Promise<T> {
  try {
    return await connect();
  } catch (error) {
    throw new DependencyUnavailableError(dependency, url, error);
  }
}
