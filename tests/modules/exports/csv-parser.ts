// A strict RFC 4180 reader for the tests: records end with CRLF, a quoted field may hold the
// separator, CR, LF and doubled quotes; anything else (a bare quote, a lone CR or LF outside
// quotes, text after a closing quote) is an error, so a file the exports write wrong fails.

export function parseCsv(text: string, separator = ","): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`CSV: ${why} at ${i}: ${JSON.stringify(text.slice(Math.max(0, i - 20), i + 20))}`);
  };
  while (i < text.length) {
    let field = "";
    if (text[i] === '"') {
      i += 1;
      for (;;) {
        if (i >= text.length) fail("unterminated quoted field");
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        field += text[i];
        i += 1;
      }
    } else {
      while (i < text.length && text[i] !== separator && text[i] !== "\r" && text[i] !== "\n") {
        if (text[i] === '"') fail("a quote in an unquoted field");
        field += text[i];
        i += 1;
      }
    }
    record.push(field);
    if (text[i] === separator) {
      i += 1;
      continue;
    }
    if (text.startsWith("\r\n", i)) {
      i += 2;
      records.push(record);
      record = [];
      continue;
    }
    fail(i >= text.length ? "a record without its CRLF" : "a lone CR or LF, or text after a quoted field");
  }
  return records;
}
