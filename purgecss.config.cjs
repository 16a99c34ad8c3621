// Ship only the Designsystemet CSS that our pages use (make assets; issue 18). PurgeCSS keeps
// each rule whose classes, elements and attributes occur as words in the content below: the
// templates, and the Python and JavaScript that set classes or data-* values themselves.
// Custom properties, keyframes and font faces are all kept (variables: false), so the
// theme's tokens stay whole. The theme file is small and tokens only: it is not purged.
module.exports = {
  content: ["templates/**/*.html", "portal/**/*.py", "static/js/**/*.js"],
  css: ["node_modules/@digdir/designsystemet-css/dist/src/index.css"],
  output: "static/vendor/designsystemet.css",
  variables: false,
  keyframes: false,
  fontFace: false,
  // Set by the browser or by Designsystemet's own rules, never written in our content.
  safelist: { standard: [/^:/], greedy: [/data-color-scheme/, /data-size/, /data-color/] },
};
