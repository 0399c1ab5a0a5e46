/** Decisions per page of the review history: HistoryView's query, and the first page the server
 * prefetches with the same input (a plain module: a 'use client' one's exports are references
 * on the server, not values). */
export const HISTORY_PAGE = 50;
