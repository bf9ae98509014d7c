/**
 * Migration 0002 of schema `catalog`: products get options, images, a published flag and variants (each its own SKU,
 * price and weight: existing products become products of one variant); categories know their ancestors; ratings are
 * copied from reviews. The read model every list, product page and search reads is denormalized: `product_search` (one
 * narrow row per product: the weighted full-text document, filter, facet and sort columns) and `product_views` (the
 * product as the API shows it), both kept by `catalog.refresh_product_search`; `search_words` lists the indexed words
 * so a misspelt query word can be corrected by trigram similarity.
 */
export const CATALOG_0002_VARIANTS_SEARCH = `
  create extension if not exists pg_trgm;

  -- lower-case and, where the unaccent extension exists, without accents: what documents and queries are compared in
  do $$
  declare
    ns text;
  begin
    if not exists (select 1 from pg_extension where extname = 'unaccent')
       and exists (select 1 from pg_available_extensions where name = 'unaccent') then
      create extension unaccent;
    end if;
    select n.nspname into ns from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'unaccent';
    if ns is null then
      create function catalog.fold(text) returns text language sql immutable strict parallel safe as 'select lower($1)';
    else
      execute format(
        'create function catalog.fold(text) returns text language sql immutable strict parallel safe as %L',
        format('select lower(%I.unaccent(%L::regdictionary, $1))', ns, quote_ident(ns) || '.unaccent'));
    end if;
  end $$;

  alter table catalog.categories add column path uuid[];
  with recursive tree as (
    select id, array[id] as path from catalog.categories where parent_id is null
    union all
    select c.id, t.path || c.id from catalog.categories c join tree t on c.parent_id = t.id
  )
  update catalog.categories c set path = tree.path from tree where tree.id = c.id;
  alter table catalog.categories alter column path set not null;

  alter table catalog.products
    add column options jsonb not null default '[]',
    add column images jsonb not null default '[]',
    add column published boolean not null default true;
  alter table catalog.products alter column published drop default;

  create table catalog.variants (
    sku          text primary key,
    product_id   uuid not null references catalog.products (id),
    position     integer not null check (position >= 0),
    price_amount bigint not null check (price_amount > 0),
    currency     text not null check (currency ~ '^[A-Z]{3}$'),
    weight_grams integer not null check (weight_grams between 0 and 1000000),
    options      jsonb not null,
    constraint variants_product_position_key unique (product_id, position)
  );
  insert into catalog.variants (sku, product_id, position, price_amount, currency, weight_grams, options)
  select sku, id, 0, price_amount, currency, 0, '{}' from catalog.products;
  alter table catalog.products drop column sku, drop column price_amount, drop column currency;

  create table catalog.product_ratings (
    product_id uuid primary key,
    average    numeric(3, 2) not null check (average between 0 and 5),
    count      integer not null check (count >= 0),
    version    integer not null,
    updated_at timestamptz not null
  );

  -- narrow: what search filters, ranks, sorts and counts facets on; the views are in product_views
  create table catalog.product_search (
    product_id     uuid primary key references catalog.products (id),
    published      boolean not null,
    category_id    uuid not null,
    category_path  uuid[] not null,
    name           text not null,
    name_folded    text not null,
    min_price      bigint not null,
    currency       text not null,
    available      integer not null,
    rating_average numeric(3, 2) not null,
    rating_count   integer not null,
    option_facets  text[] not null,
    document       tsvector not null
  ) with (fillfactor = 80); -- room on each page: a stock change (no indexed column changes) is a HOT update
  create index product_search_document_idx on catalog.product_search using gin (document);
  create index product_search_category_idx on catalog.product_search using gin (category_path);
  create index product_search_options_idx on catalog.product_search using gin (option_facets);
  -- keyset pages of what customers see, in each sort order
  create index product_search_published_idx on catalog.product_search (product_id) where published;
  create index product_search_price_idx on catalog.product_search (min_price, product_id) where published;
  create index product_search_rating_idx on catalog.product_search (rating_average, rating_count, product_id) where published;

  -- each product as the API shows it (variants with their stock, rating), ready to send
  create table catalog.product_views (
    product_id uuid primary key references catalog.products (id),
    view       jsonb not null
  ) with (fillfactor = 70);

  create table catalog.search_words (word text primary key);
  create index search_words_trigram_idx on catalog.search_words using gin (word gin_trgm_ops);

  -- Rebuilds the read-model rows of these products from the catalog's tables. The products' rows are locked first,
  -- in id order, and the rebuild runs as a second statement: refreshes of one product run one after the other, each
  -- reading what committed before it, so a refresh never overwrites a newer one with what it read earlier.
  create function catalog.refresh_product_search(ids uuid[]) returns void language plpgsql as $fn$
  begin
    perform 1 from catalog.products where id = any(ids) order by id for update;
    with fresh as (
      select p.id, p.published, p.category_id, c.path, p.name, catalog.fold(p.name) as name_folded, v.min_price, v.currency,
             v.available, coalesce(r.average, 0) as rating_average, coalesce(r.count, 0) as rating_count, v.option_facets,
             setweight(to_tsvector('simple', catalog.fold(p.name)), 'A')
               || setweight(to_tsvector('simple', catalog.fold(v.option_text)), 'B')
               || setweight(to_tsvector('simple', catalog.fold(cn.names)), 'C')
               || setweight(to_tsvector('simple', catalog.fold(coalesce(p.description, ''))), 'D') as document,
             jsonb_build_object(
               'id', p.id, 'sku', v.first_sku, 'name', p.name, 'category', c.slug,
               'price', jsonb_build_object('amount', v.min_price, 'currency', v.currency),
               'availableStock', v.available, 'options', p.options, 'variants', v.variants, 'images', p.images,
               'published', p.published,
               'rating', jsonb_build_object('average', coalesce(r.average, 0), 'count', coalesce(r.count, 0)))
               || case when p.description is null then '{}'::jsonb else jsonb_build_object('description', p.description) end as view
        from catalog.products p
        join catalog.categories c on c.id = p.category_id
        cross join lateral (select string_agg(a.name, ' ') as names from catalog.categories a where a.id = any(c.path)) cn
        cross join lateral (
          select min(x.price_amount) as min_price, min(x.currency) as currency,
                 (array_agg(x.sku order by x.position))[1] as first_sku,
                 sum(x.available)::integer as available,
                 jsonb_agg(jsonb_build_object(
                   'sku', x.sku, 'options', x.options,
                   'price', jsonb_build_object('amount', x.price_amount, 'currency', x.currency),
                   'weightGrams', x.weight_grams, 'availableStock', x.available) order by x.position) as variants,
                 coalesce((select array_agg(distinct o.key || ':' || o.value)
                             from catalog.variants y, jsonb_each_text(y.options) o where y.product_id = p.id), '{}') as option_facets,
                 coalesce((select string_agg(distinct o.value, ' ')
                             from catalog.variants y, jsonb_each_text(y.options) o where y.product_id = p.id), '') as option_text
            -- one index lookup per SKU, whatever the statistics say about the tables' sizes
            from (select y.*, coalesce((select a.available from catalog.product_availability a where a.sku = y.sku), 0) as available
                    from catalog.variants y where y.product_id = p.id) x
        ) v
        left join catalog.product_ratings r on r.product_id = p.id
       where p.id = any(ids)
    ), views as (
      insert into catalog.product_views as pv (product_id, view)
      select id, view from fresh order by id
      on conflict (product_id) do update set view = excluded.view
    ), upserted as (
      insert into catalog.product_search as s (product_id, published, category_id, category_path, name, name_folded, min_price, currency,
                                               available, rating_average, rating_count, option_facets, document)
      select id, published, category_id, path, name, name_folded, min_price, currency, available, rating_average, rating_count,
             option_facets, document
        from fresh order by id
      on conflict (product_id) do update set
        published = excluded.published, category_id = excluded.category_id, category_path = excluded.category_path,
        name = excluded.name, name_folded = excluded.name_folded, min_price = excluded.min_price, currency = excluded.currency,
        available = excluded.available, rating_average = excluded.rating_average, rating_count = excluded.rating_count,
        option_facets = excluded.option_facets, document = excluded.document
      returning s.document
    )
    -- in word order, so concurrent refreshes adding the same new words never wait for each other in a cycle
    insert into catalog.search_words (word)
    select distinct w from upserted, unnest(tsvector_to_array(upserted.document)) w where length(w) between 2 and 64 order by 1
    on conflict do nothing;
  end $fn$;

  select catalog.refresh_product_search(array(select id from catalog.products));
`;
