/**
 * Import… and Export… on the reading list. An import sends the file the person
 * picked to the host in pieces (`import_begin`, `import_chunk`…, `import_finish`),
 * well under the browser's message limits, saying how far it has got; the host
 * recognises the format. An export asks the host for the file in replies of
 * under a megabyte and offers the joined file as a download: no permission is
 * needed for either.
 */

import { count as counted } from "../lib/words.js";

const PIECE = 32 * 1024; // bytes turned into base64 text at a time

const MEDIA = {
  netscape: ["text/html", "html"],
  csv: ["text/csv", "csv"],
  json: ["application/json", "json"],
};

/** Base64 of bytes, a piece at a time (a single call would overflow the argument list). */
export function toBase64(bytes) {
  let text = "";
  for (let start = 0; start < bytes.length; start += PIECE) {
    text += String.fromCharCode(...bytes.subarray(start, start + PIECE));
  }
  return btoa(text);
}

/** The file's name for a download: the format's extension and today's date. */
export function exportName(format, today = new Date()) {
  const day = today.toISOString().slice(0, 10);
  return `reading-list-${day}.${MEDIA[format][1]}`;
}

/** What an import did, in a sentence. */
export function importSummary(report) {
  const n = (value) => value.toLocaleString("en");
  const parts = [`${n(report.added)} added`];
  if (report.updated) parts.push(`${n(report.updated)} updated`);
  if (report.unchanged) parts.push(`${n(report.unchanged)} already in your list`);
  const problems = report.problem_count;
  const tail = problems ? `; ${counted(problems, "row")} could not be imported` : "";
  return `Imported: ${parts.join(", ")}${tail}.`;
}

export class Transfer {
  /**
   * `ask(action, params)` reaches the host; `progress(text)` shows how far it has
   * got; `download(blob, name)` offers a file.
   */
  constructor({ ask, progress, download }) {
    this.ask = ask;
    this.progress = progress;
    this.download = download;
  }

  /** Send `file` (a File or Blob with a name) and import it; resolves with the report. */
  async importFile(file) {
    const began = await this.ask("import_begin", { name: file.name, size: file.size });
    const step = began.chunk_bytes;
    for (let offset = 0; offset < file.size; offset += step) {
      const bytes = new Uint8Array(await file.slice(offset, offset + step).arrayBuffer());
      await this.ask("import_chunk", { upload: began.upload, offset, data: toBase64(bytes) });
      const sent = Math.min(offset + step, file.size);
      this.progress(`Sending ${file.name}: ${Math.round((100 * sent) / file.size)}%`);
    }
    this.progress(`Importing ${file.name}…`);
    return this.ask("import_finish", { upload: began.upload });
  }

  /** Ask for the whole list in `format` and offer it as a download; resolves with the count. */
  async exportList(format) {
    const parts = [];
    let after = null;
    let count = 0;
    do {
      const reply = await this.ask("export", after ? { format, after } : { format });
      parts.push(reply.data);
      count += reply.count;
      after = reply.next ?? null;
      this.progress(`Exporting: ${counted(count, "page")} so far…`);
    } while (after);
    this.download(new Blob(parts, { type: `${MEDIA[format][0]};charset=utf-8` }),
      exportName(format));
    return count;
  }
}
