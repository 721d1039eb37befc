// Starts GraphiQL on Switchboard's GraphQL endpoint (the data-endpoint of
// #graphiql): queries and mutations over HTTP, subscriptions over a websocket
// with the graphql-transport-ws protocol (GraphiQL bundles graphql-ws). What the
// Headers tab holds, e.g. {"Authorization": "Bearer sb_..."}, is sent with every
// HTTP request and as the websocket's connection_init payload, where Switchboard
// reads the token. A separate file rather than an inline script, so the page's
// Content-Security-Policy can forbid inline scripts.
(function () {
  'use strict';
  var root = document.getElementById('graphiql');
  var endpoint = new URL(root.dataset.endpoint || '/query', window.location.href);
  var ws = new URL(endpoint.href);
  ws.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';

  var fetcher = GraphiQL.createFetcher({ url: endpoint.href, subscriptionUrl: ws.href });
  var defaultQuery = [
    '# Switchboard\'s GraphQL API. Put a token in the Headers tab:',
    '#   {"Authorization": "Bearer sb_..."}',
    '# `switchboard token create --role ADMIN --user admin`',
    '# prints one; the login mutation gives a session token.',
    '',
    '{',
    '  me {',
    '    id',
    '    name',
    '    role',
    '  }',
    '}',
    ''
  ].join('\n');

  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultHeaders: JSON.stringify({ Authorization: 'Bearer <token>' }, null, 2),
      defaultEditorToolsVisibility: 'headers'
    })
  );
})();
