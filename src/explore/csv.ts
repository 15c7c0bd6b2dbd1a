/** A small RFC 4180 reader: quoted fields, doubled quotes, CRLF or LF line ends. */
export interface CsvTable {
  header: string[];
  /** Data rows with their 1-based line numbers in the file. */
  rows: { line: number; cells: string[] }[];
}

export function parseCsv(text: string): CsvTable {
  const records: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let fieldStarted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && field === '') (quoted = true), (fieldStarted = true);
    else if (ch === ',') cells.push(field), (field = ''), (fieldStarted = true);
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      if (fieldStarted || field !== '' || cells.length > 0) records.push({ line: recordLine, cells: [...cells, field] });
      cells = [];
      field = '';
      fieldStarted = false;
      recordLine = ++line;
    } else (field += ch), (fieldStarted = true);
  }
  if (fieldStarted || field !== '' || cells.length > 0) records.push({ line: recordLine, cells: [...cells, field] });
  const [head, ...rows] = records;
  return { header: head?.cells.map((h) => h.trim()) ?? [], rows };
}
