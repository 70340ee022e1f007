/**
 * Group commit for a database with one writer (SQLite): jobs submitted during one turn of the event loop
 * are run together by one call of `run` (one transaction), instead of one transaction each waiting for
 * the single write lock in turn. The transaction and its commit are paid once per group.
 * On PostgreSQL the engine uses it for small requests (a feed posting one record at a time), with one lane:
 * while a group runs, the requests arriving meanwhile wait and go together in the next group (measured on
 * one hot pack: ~10 times the records/s of a group per turn, which all queued on the pack's row lock).
 * If a group fails, each of its jobs is run again on its own, so one bad job fails only itself.
 */
interface Pending<J, R> {
  job: J;
  size: number;
  resolve: (r: R) => void;
  reject: (err: unknown) => void;
}

export class GroupCommit<J, R> {
  private queue: Pending<J, R>[] = [];
  private scheduled = false;
  private inFlight = 0;

  /**
   * `run` must answer one result per job, in order. `maxSize` bounds a group (in the jobs' own size unit,
   * e.g. records) so one transaction never holds the write lock for long.
   */
  constructor(
    private readonly run: (jobs: J[]) => Promise<R[]>,
    private readonly maxSize: number,
    /**
     * Groups running at once at most. Jobs arriving while that many run wait and go together in the next
     * group: on a hot row (every record on one pack) the groups queue on its lock anyway, so fewer, larger
     * groups carry more records per commit.
     */
    private readonly lanes = Number.POSITIVE_INFINITY,
  ) {}

  submit(job: J, size: number): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ job, size, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // after the I/O phase: every request parsed in this turn joins the group
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length && this.inFlight < this.lanes) {
      let size = 0;
      let n = 0;
      while (n < this.queue.length && (n === 0 || size + this.queue[n]!.size <= this.maxSize)) {
        size += this.queue[n]!.size;
        n++;
      }
      void this.runGroup(this.queue.splice(0, n));
    }
  }

  private async runGroup(group: Pending<J, R>[]): Promise<void> {
    this.inFlight++;
    try {
      await this.runJobs(group);
    } finally {
      this.inFlight--;
      if (this.queue.length && !this.scheduled) this.flush();
    }
  }

  private async runJobs(group: Pending<J, R>[]): Promise<void> {
    try {
      const results = await this.run(group.map((p) => p.job));
      group.forEach((p, i) => p.resolve(results[i]!));
    } catch (err) {
      if (group.length === 1) return group[0]!.reject(err);
      for (const p of group) {
        try {
          const [result] = await this.run([p.job]);
          p.resolve(result!);
        } catch (own) {
          p.reject(own);
        }
      }
    }
  }
}
