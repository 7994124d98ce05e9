/**
 * The "Import and export" section of the reading list: Import… opens the file
 * picker and sends the chosen file to the host (lib: transfer.js), then shows
 * what went in and which rows could not; Export… downloads the list in the
 * chosen format. While one runs, both buttons wait, and the page says how far
 * it has got.
 */

import { setText } from "../lib/text.js";
import { pages } from "./format.js";
import { errorLine } from "./notices.js";
import { Transfer, importSummary } from "./transfer.js";

const $ = (id) => document.getElementById(id);
const SHOWN_PROBLEMS = 5;

/** Offer `blob` as a file named `name`, as a link click does: no permission needed. */
function download(blob, name) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

function showProblems(report) {
  const list = $("transfer-problems");
  const shown = report.problems.slice(0, SHOWN_PROBLEMS).map(({ where, message }) => {
    const line = document.createElement("li");
    line.textContent = `${where}: ${message}`;
    return line;
  });
  const rest = report.problem_count - shown.length;
  if (rest > 0) {
    const line = document.createElement("li");
    line.textContent = `and ${rest} more`;
    shown.push(line);
  }
  list.replaceChildren(...shown);
  list.hidden = !shown.length;
}

export class Files {
  /** `client` reaches the host; `notices` says what happened; `afterImport()` reloads the list. */
  constructor({ client, notices, afterImport }) {
    this.notices = notices;
    this.afterImport = afterImport;
    this.transfer = new Transfer({
      ask: (action, params) => client.ask(action, params),
      progress: (text) => setText($("transfer-status"), text),
      download,
    });
  }

  wire() {
    $("import").addEventListener("click", () => $("import-file").click());
    $("import-file").addEventListener("change", () => {
      const [file] = $("import-file").files;
      $("import-file").value = ""; // the same file can be picked again
      if (file) this.run(() => this.importFile(file));
    });
    $("export").addEventListener("click", () =>
      this.run(() => this.exportList($("export-format").value)));
  }

  /** One transfer at a time; its failure is said in the section and in the toast. */
  async run(work) {
    $("import").disabled = $("export").disabled = true;
    $("transfer-problems").hidden = true;
    try {
      await work();
    } catch (error) {
      const line = `Stopped: ${errorLine(error)}`;
      setText($("transfer-status"), line);
      this.notices.say(line);
    } finally {
      $("import").disabled = $("export").disabled = false;
    }
  }

  async importFile(file) {
    setText($("transfer-status"), `Sending ${file.name}…`);
    const report = await this.transfer.importFile(file);
    const line = importSummary(report);
    setText($("transfer-status"), line);
    showProblems(report);
    this.notices.say(line);
    await this.afterImport();
  }

  async exportList(format) {
    setText($("transfer-status"), "Exporting…");
    const count = await this.transfer.exportList(format);
    const line = `Exported ${pages(count)}: look in your downloads.`;
    setText($("transfer-status"), line);
    this.notices.say(line);
  }
}
