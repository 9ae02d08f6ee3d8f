import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthSource {
  /** Alive: the process is not wedged (a failed instance answers 503 to be restarted). */
  readonly live: boolean;
  /** Ready: restored and able to make progress (sinks healthy). */
  readonly ready: boolean;
}

export type Route = (request: IncomingMessage, url: URL) => Promise<{ status: number; body: unknown } | undefined>;

/**
 * The operations port: Prometheus metrics, liveness, readiness, and any routes a
 * topology adds (interactive queries).
 */
export class OpsServer {
  private readonly server: Server;
  private readonly routes: Route[] = [];

  constructor(
    private readonly registry: Registry,
    private readonly health: HealthSource,
  ) {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => send(response, 500, { error: String(error) }));
    });
  }

  addRoute(route: Route): void {
    this.routes.push(route);
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    switch (url.pathname) {
      case '/metrics':
        response.writeHead(200, { 'content-type': this.registry.contentType });
        response.end(await this.registry.metrics());
        return;
      case '/healthz':
        return send(response, this.health.live ? 200 : 503, { live: this.health.live });
      case '/readyz':
        return send(response, this.health.ready ? 200 : 503, { ready: this.health.ready });
    }
    for (const route of this.routes) {
      const answer = await route(request, url);
      if (answer) return send(response, answer.status, answer.body);
    }
    send(response, 404, { error: `no route for ${url.pathname}` });
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
