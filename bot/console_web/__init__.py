"""HR's console in the browser (issue 17): pages on the bot's own HTTP server at /console.

`links` (one-time login links, sessions) has no web dependency: the chat's /console and
`python -m bot admin link` use it. `app` builds the pages and mounts them (bot.runner).
"""
