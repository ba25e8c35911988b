/**
 * `chat.html` of an export: one self-contained page (no network, no external files) that embeds the
 * conversations as JSON in an inline script and renders each one's current branch with DOM text
 * APIs only — message text never goes through HTML parsing. The JSON is written with every `<`
 * escaped, so a message containing `</script>` or `<!--` cannot end the script early.
 */

/** A conversation object as JSON safe inside an inline `<script>`. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export const chatHtmlHead = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>backchat export</title>
<style>
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 52rem; padding: 1rem; color: #1f2328; }
h1 { font-size: 1.4rem; }
.conversation { border-top: 1px solid #d0d7de; padding: 1rem 0; }
.conversation h2 { font-size: 1.1rem; margin: 0 0 .25rem; }
.meta { color: #656d76; font-size: .85rem; margin-bottom: .5rem; }
.message { margin: .5rem 0; padding: .5rem .75rem; border-radius: .5rem; background: #f6f8fa; }
.message.user { background: #ddf4ff; }
.author { font-weight: 600; font-size: .85rem; margin-bottom: .25rem; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; }
.unsupported { font-style: italic; color: #656d76; }
</style>
</head>
<body>
<h1>Your conversations</h1>
<div id="root"></div>
<script>
var jsonData = [`;

export const chatHtmlTail = `];
</script>
<script>
(function () {
  var root = document.getElementById('root');
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function branch(conversation) {
    var mapping = conversation.mapping || {};
    var path = [];
    var id = conversation.current_node;
    var seen = {};
    while (id && mapping[id] && !seen[id]) {
      seen[id] = true;
      path.push(mapping[id]);
      id = mapping[id].parent;
    }
    return path.reverse();
  }
  function textOf(content) {
    if (!content) return '';
    if (Array.isArray(content.parts)) {
      return content.parts.filter(function (part) { return typeof part === 'string'; }).join('\\n');
    }
    return typeof content.text === 'string' ? content.text : '';
  }
  jsonData.forEach(function (conversation) {
    var section = el('section', 'conversation');
    section.appendChild(el('h2', '', conversation.title || 'New chat'));
    var when = typeof conversation.create_time === 'number' ? new Date(conversation.create_time * 1000).toISOString() : '';
    section.appendChild(el('div', 'meta', when + (conversation.is_archived ? ' · archived' : '')));
    branch(conversation).forEach(function (node) {
      var message = node.message;
      if (!message || !message.author) return;
      var hidden = message.metadata && message.metadata.is_visually_hidden_from_conversation;
      var text = textOf(message.content);
      if (hidden || (message.author.role === 'system' && text === '')) return;
      var box = el('div', 'message ' + message.author.role);
      box.appendChild(el('div', 'author', message.author.role));
      var type = message.content && message.content.content_type;
      if (type && type !== 'text') box.appendChild(el('div', 'unsupported', 'Unsupported content (' + type + ')'));
      box.appendChild(el('div', 'text', text));
      section.appendChild(box);
    });
    root.appendChild(section);
  });
  if (jsonData.length === 0) root.appendChild(el('p', '', 'No conversations.'));
})();
</script>
</body>
</html>
`;
