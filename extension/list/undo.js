/**
 * Undo for deletes. The host holds a deleted page's server delete for 10
 * seconds; the undo offer runs from the moment the delete is sent, so it ends
 * before the host's hold does. A newer delete replaces the offer (its pages
 * stay deleted).
 */

import { realClock } from "../lib/native.js";

export const UNDO_MS = 10_000;

export class UndoOffer {
  constructor(clock = realClock) {
    this.clock = clock;
    this.current = null; // {entry, timer}
  }

  get active() {
    return this.current !== null;
  }

  /** Offer to undo `entry` for UNDO_MS; `onExpire(entry)` runs when the time is up. */
  offer(entry, onExpire) {
    this.withdraw();
    const timer = this.clock.setTimeout(() => {
      this.current = null;
      onExpire(entry);
    }, UNDO_MS);
    this.current = { entry, timer };
  }

  /** The entry to undo, once; null when the offer ended. */
  take() {
    const entry = this.current?.entry ?? null;
    this.withdraw();
    return entry;
  }

  /** End the offer without undoing (the delete failed, or a newer one replaced it). */
  withdraw(entry = this.current?.entry) {
    if (!this.current || this.current.entry !== entry) return;
    this.clock.clearTimeout(this.current.timer);
    this.current = null;
  }
}
