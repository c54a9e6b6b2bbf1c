export { main } from './main.js';
export { formatJsonLines, formatRows, formatTable, type OutputFormat } from './format-rows.js';
