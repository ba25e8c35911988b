/** Search route (docs/api.md, "Search"): thin — parse, search, return the page. */
import { searchConversations } from '../../conversation/conversation-search.js';
import { searchQuerySchema } from '../../protocol/search-types.js';
import type { SearchStore } from '../../store/store.js';
import type { RouteSpec } from '../route-table.js';
import { parseQuery } from './request-parsing.js';

export interface SearchRouteDeps {
  store: SearchStore;
}

export function searchRoutes(deps: SearchRouteDeps): RouteSpec[] {
  return [
    {
      method: 'GET',
      path: '/conversations/search',
      mount: 'api',
      auth: 'user',
      handler: async (request, _reply, user) => {
        const query = parseQuery(searchQuerySchema, request.query);
        return searchConversations(deps.store, user.id, query);
      },
    },
  ];
}
