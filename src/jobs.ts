/**
 * Background jobs of a serving process (one per deployment of workers). Each domain module that needs a
 * periodic job adds it here; returns a function that stops them all.
 */
import type { FastifyInstance } from 'fastify';

export function startJobs(app: FastifyInstance): () => void {
  const timers: NodeJS.Timeout[] = [];
  void app;
  return () => timers.forEach((t) => clearInterval(t));
}
