/** The page's CSS, inlined: no stylesheet, font or icon is fetched from anywhere. */
export const paywallCss = `
:root {
  color-scheme: light dark;
  --bg: #f4f5f7; --card: #ffffff; --text: #16181d; --muted: #5d6470; --line: #e3e6eb;
  --accent: #2f5bea; --accent-text: #ffffff; --danger: #b42318; --danger-bg: #fef3f2;
  --ok: #067647; --ok-bg: #ecfdf3; --code-bg: #f2f4f7;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1115; --card: #181b21; --text: #eceef2; --muted: #9aa1ad; --line: #2a2f38;
    --accent: #5b7fff; --danger: #ff8a80; --danger-bg: #2a1614; --ok: #6ce9a6; --ok-bg: #102a1e;
    --code-bg: #20242c;
  }
}
* { box-sizing: border-box; }
body {
  margin: 0; min-height: 100vh; display: flex; align-items: flex-start; justify-content: center;
  padding: 48px 16px; background: var(--bg); color: var(--text);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
main {
  width: 100%; max-width: 560px; background: var(--card); border: 1px solid var(--line);
  border-radius: 16px; padding: 28px; box-shadow: 0 8px 28px rgba(16, 24, 40, 0.08);
}
.brand { display: flex; align-items: center; gap: 10px; margin-bottom: 20px; font-weight: 600; }
.brand img { width: 32px; height: 32px; border-radius: 8px; object-fit: contain; }
.badge {
  margin-left: auto; font-size: 12px; font-weight: 600; padding: 2px 10px; border-radius: 999px;
  background: #fff4e5; color: #9a4b00; border: 1px solid #ffd8a8;
}
.eyebrow {
  margin: 0; color: var(--muted); font-size: 13px; font-weight: 600; letter-spacing: 0.04em;
  text-transform: uppercase;
}
h1 { margin: 4px 0 6px; font-size: 22px; line-height: 1.3; }
h2 { font-size: 15px; margin: 24px 0 8px; }
.url { margin: 0 0 20px; overflow-wrap: anywhere; }
.price { font-size: 36px; font-weight: 700; letter-spacing: -0.02em; margin: 8px 0 12px; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
code { background: var(--code-bg); padding: 1px 6px; border-radius: 6px; overflow-wrap: anywhere; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
button {
  font: inherit; font-weight: 600; border: 0; border-radius: 10px; padding: 12px 18px;
  cursor: pointer; background: var(--accent); color: var(--accent-text);
}
button:disabled { opacity: 0.6; cursor: progress; }
#tg-pay { width: 100%; margin-top: 24px; font-size: 16px; }
#tg-status { margin: 10px 0 0; color: var(--muted); }
#tg-status:empty { display: none; }
#tg-error {
  margin-top: 12px; padding: 12px 14px; border-radius: 10px; background: var(--danger-bg);
  color: var(--danger); border: 1px solid currentColor;
}
#tg-error p { margin: 0; }
#tg-error button { margin-top: 10px; padding: 8px 14px; }
.others ul { margin: 0; padding-left: 18px; color: var(--muted); }
.others li + li { margin-top: 6px; }
#tg-result { margin-top: 8px; }
#tg-result > h2:first-child { color: var(--ok); }
#tg-receipt { padding: 12px 14px; border-radius: 10px; background: var(--ok-bg); }
#tg-content pre {
  margin: 0; padding: 14px; border-radius: 10px; background: var(--code-bg); overflow: auto;
  max-height: 420px; white-space: pre-wrap; overflow-wrap: anywhere;
}
#tg-content img { max-width: 100%; border-radius: 10px; }
#tg-content iframe { width: 100%; height: 420px; border: 1px solid var(--line); border-radius: 10px; }
footer { margin-top: 24px; color: var(--muted); font-size: 12px; }
[hidden] { display: none !important; }
`
