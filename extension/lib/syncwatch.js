/**
 * Following the syncs the host runs by itself (after a login, or while pages wait
 * although an account is connected): the number of waiting pages is read every
 * few seconds for a minute at most, and whenever it drops, the tabs that show a
 * waiting page get their marks again, so their badges and tooltips stay true.
 */

import { BADGES } from "./feedback.js";
import { realClock } from "./native.js";

const EVERY_MS = 2_000;
const ROUNDS = 30;

export class SyncWatch {
  constructor({ host, indicator, clock = realClock }) {
    this.host = host;
    this.indicator = indicator;
    this.clock = clock;
    this.timer = null;
    this.rounds = 0;
    this.pending = null; // the count at the last look
  }

  /** Follow the waiting pages (again) for a while. */
  start() {
    this.rounds = ROUNDS;
    if (this.timer === null) this.timer = this.clock.setTimeout(() => this.look(), EVERY_MS);
  }

  async look() {
    let status = null;
    try {
      status = await this.host.request("status");
    } catch {
      // no host now: the marks are read again when it answers
    }
    if (status && status.pending !== this.pending) {
      this.host.account = status.account;
      await this.indicator.refreshShowing(BADGES.waiting);
    }
    this.pending = status?.pending ?? null;
    this.rounds -= 1;
    const more = status?.pending && status.account && this.rounds > 0;
    this.timer = more ? this.clock.setTimeout(() => this.look(), EVERY_MS) : null;
    if (!more) this.pending = null;
  }
}
