-- The search of the PostGraphile reference server (created in the bench database by bench/run.py
-- before PostGraphile starts): the API's ranked search (app/search/postgres.py) as a SQL
-- function, which PostGraphile exposes as `searchCourses(q:)` — published courses whose
-- search vector matches `websearch_to_tsquery('english', q)`, by `ts_rank` with the API's
-- weights (title 1.0, tags 0.3, instructor 0.08, description 0.02), ties broken by id.
CREATE OR REPLACE FUNCTION public.search_courses(q text) RETURNS SETOF public.courses
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT c.*
  FROM public.courses c
  WHERE c.status = 'published' AND c.search_vector @@ websearch_to_tsquery('english', q)
  ORDER BY ts_rank('{0.02,0.08,0.3,1.0}'::real[], c.search_vector,
                   websearch_to_tsquery('english', q)) DESC,
           c.id DESC
$$;
