'use strict';
// GMAT ReportFile text layout (ReportFile::WriteHeaders / WriteData, Report command).
const { fmtG } = require('./format');

function dataWidth(rf, name) {
  if (!rf.writeHeaders) return rf.columnWidth;
  let w = Math.max(name.length, rf.columnWidth);
  if (name.indexOf('Gregorian') >= 0 && w < 24) w = 24;
  return w + 3;
}
function pad(rf, text, w) {
  if (text.length >= w) return text;
  const fill = rf.delimiter.repeat(w - text.length);
  return rf.leftJustify ? text + fill : fill + text;
}
function formatValue(rf, v) { return typeof v === 'string' ? v : fmtG(v, rf.precision, rf.zeroFill); }

// Header line for subscriber (Add) files
function headerLine(rf, names) {
  if (!rf.fixedWidth) return names.join(rf.delimiter) + '\n';
  return names.map((n) => pad(rf, n, dataWidth(rf, n))).join('') + '\n';
}
// Header line written by the Report command: each name at ColumnWidth, then three spaces
function reportHeaderLine(rf, names) {
  if (!rf.fixedWidth) return names.join(rf.delimiter) + '\n';
  return names.map((n) => pad(rf, n, rf.columnWidth) + '   ').join('') + '\n';
}
function dataLine(rf, names, values) {
  const cells = values.map((v) => formatValue(rf, v));
  if (!rf.fixedWidth) return cells.join(rf.delimiter) + '\n';
  return cells.map((c, i) => pad(rf, c, dataWidth(rf, names[i]))).join('') + '\n';
}
module.exports = { headerLine, reportHeaderLine, dataLine };
