import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { ApiProblems, ApiZodResponse, ValidQuery } from '../../../platform/http/openapi';
import { Public, API_V1, RateLimited } from '../../../platform/http/request-context';
import { ReadDatabase } from '../../../platform/persistence/read-database';
import { CatalogReadCache } from '../application/catalog-read-cache';
import type { SearchFacets } from '../application/search-facets';
import { type FacetCache, searchProducts } from '../application/search-products';
import { suggestProducts } from '../application/suggest-products';
import { SearchQuery, SearchResponse, SuggestQuery, SuggestResponse } from './search.schemas';
import { answer, CurrentReader, type Reader } from './public-reads';

/** Facet counts over a whole catalog cost the most to compute and change least: other instances' changes show later. */
const FACETS_TTL_MS = 10_000;

/** The storefront's search: published products only, for every caller. */
@Controller(`${API_V1}/search`)
export class SearchController {
  constructor(
    private readonly reads: ReadDatabase,
    private readonly cache: CatalogReadCache,
  ) {}

  /** Full-text search with typo tolerance, filters, facets and keyset pages (follow `nextCursor`). */
  @Get()
  @Public()
  @RateLimited('search')
  @ApiOperation({ summary: 'Search the published products, with filters and facets' })
  @ApiZodResponse(200, SearchResponse)
  @ApiProblems({ 400: ['request.invalid', 'catalog.invalid_cursor'] })
  search(
    @ValidQuery(SearchQuery) query: z.infer<typeof SearchQuery>,
    @CurrentReader() reader: Reader,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { option, ...rest } = query;
    // published products only, whoever asks: every caller reads the public answer
    // facets depend on the filters only: pages and sort orders of one search share them
    const facets: FacetCache = async (filters, compute) =>
      JSON.parse(
        (await this.cache.get(`facets:${filters}`, async () => JSON.stringify(await compute()), FACETS_TTL_MS)).toString(),
      ) as SearchFacets;
    return answer(this.cache, { ...reader, audience: 'public' }, reply, () =>
      searchProducts(this.reads.forAnyone(), { ...rest, ...(option ? { options: option } : {}) }, facets),
    );
  }

  /** Completions of the last word typed and names of matching products, at most 10. */
  @Get('suggest')
  @Public()
  @RateLimited('suggest')
  @ApiOperation({ summary: 'Suggestions for a search box as the customer types' })
  @ApiZodResponse(200, SuggestResponse)
  @ApiProblems(400)
  suggest(
    @ValidQuery(SuggestQuery) query: z.infer<typeof SuggestQuery>,
    @CurrentReader() reader: Reader,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answer(this.cache, { ...reader, audience: 'public' }, reply, () => suggestProducts(this.reads.forAnyone(), query.q));
  }
}
