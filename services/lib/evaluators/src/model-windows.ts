// Context windows (tokens) by model name or prefix. The scorer may extend or override this table from
// config; lookups take the exact name first, then the longest prefix.
export const DEFAULT_MODEL_WINDOWS: Readonly<Record<string, number>> = Object.freeze({
  'gpt-4o': 128_000,
  'gpt-4o-mini': 128_000,
  'gpt-4.1': 1_047_576,
  'gpt-4-turbo': 128_000,
  'gpt-4-32k': 32_768,
  'gpt-4': 8_192,
  'gpt-3.5-turbo': 16_385,
  'gpt-5': 400_000,
  o1: 200_000,
  o3: 200_000,
  'o4-mini': 200_000,
  'claude-3': 200_000,
  'claude-3-5': 200_000,
  'claude-3-7': 200_000,
  'claude-sonnet-4': 200_000,
  'claude-opus-4': 200_000,
  'claude-haiku-4': 200_000,
  'gemini-1.5-pro': 2_097_152,
  'gemini-1.5-flash': 1_048_576,
  'gemini-2': 1_048_576,
  'gemini-2.5': 1_048_576,
  'llama-3.1': 128_000,
  'llama-3.3': 128_000,
  'llama-3': 8_192,
  'mistral-large': 128_000,
  'qwen2.5': 32_768,
  'deepseek-chat': 64_000,
  'deepseek-reasoner': 64_000,
});

/** Window of `model` from the table: exact name, else the longest matching prefix; undefined if unknown. */
export function lookupWindow(model: string, windows: Readonly<Record<string, number>>): number | undefined {
  if (model === '') return undefined;
  const name = model.toLowerCase();
  const slash = name.lastIndexOf('/'); // "openai/gpt-4o", "models/gemini-2.5-pro"
  const bare = slash >= 0 ? name.slice(slash + 1) : name;
  const exact = windows[bare] ?? windows[name];
  if (exact !== undefined) return exact;
  let best: number | undefined;
  let bestLength = 0;
  for (const key in windows) {
    if (key.length > bestLength && bare.startsWith(key.toLowerCase())) {
      best = windows[key];
      bestLength = key.length;
    }
  }
  return best;
}
