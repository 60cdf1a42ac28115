// The dashboard's one HTML page: a shell the bundled script renders into.

/** The HTML of /ui; `version` busts caches of the script and stylesheet. */
export function dashboardPage(version: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Isthmus dashboard</title>
<link rel="stylesheet" href="/ui/app.css?v=${version}">
<script type="module" src="/ui/app.js?v=${version}"></script>
</head>
<body>
<div id="app"><noscript>The Isthmus dashboard needs JavaScript.</noscript></div>
</body>
</html>
`;
}
