-- The instructor numbers of the PostGraphile reference server (created in the bench database by
-- bench/run.py before PostGraphile starts, with searchCourses.sql): the API computes them from
-- the courses an instructor teaches (app/catalog/teaching_sql.py, `stats_select`), so the
-- reference computes them too, with the same SQL, as computed columns of InstructorProfile
-- (PostGraphile v5: a STABLE function `instructor_profiles_<name>(instructor_profiles)` in an
-- exposed schema is the field `<name>` of the table's type): `totalCourses`, `totalStudents`,
-- `reviewCount` and `rating`.
--
-- An instructor teaches a published course they own (`courses.instructor_id`) or co-instruct
-- (`course_instructors` with role co_instructor; teaching assistants do not count): owned ones
-- UNION ALL co-instructed ones they do not own, as the API's `taught_courses`. Over those
-- courses: the course count, the distinct students with an enrollment that grants access
-- (app/catalog/visibility.py ACCESS_STATUSES: active, completed), the sum of `review_count`
-- and the mean of `average_rating` weighted by `review_count`, rounded to 2 decimals (null
-- without reviews). Counts are integers, as the API's Int fields.
CREATE OR REPLACE FUNCTION public.instructor_profiles_total_courses(p public.instructor_profiles)
RETURNS integer LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT count(*)::integer
  FROM (SELECT tc.* FROM public.courses tc
        WHERE tc.instructor_id = p.user_id AND tc.status = 'published'
        UNION ALL
        SELECT tc.* FROM public.course_instructors tci
        JOIN public.courses tc ON tc.id = tci.course_id
        WHERE tci.user_id = p.user_id AND tci.role = 'co_instructor'
          AND tc.status = 'published' AND tc.instructor_id <> p.user_id) s
$$;

CREATE OR REPLACE FUNCTION public.instructor_profiles_total_students(p public.instructor_profiles)
RETURNS integer LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT count(DISTINCT e.student_id)::integer
  FROM public.enrollments e
  JOIN (SELECT tc.* FROM public.courses tc
        WHERE tc.instructor_id = p.user_id AND tc.status = 'published'
        UNION ALL
        SELECT tc.* FROM public.course_instructors tci
        JOIN public.courses tc ON tc.id = tci.course_id
        WHERE tci.user_id = p.user_id AND tci.role = 'co_instructor'
          AND tc.status = 'published' AND tc.instructor_id <> p.user_id) s ON s.id = e.course_id
  WHERE e.status IN ('active', 'completed')
$$;

CREATE OR REPLACE FUNCTION public.instructor_profiles_review_count(p public.instructor_profiles)
RETURNS integer LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(sum(s.review_count), 0)::integer
  FROM (SELECT tc.* FROM public.courses tc
        WHERE tc.instructor_id = p.user_id AND tc.status = 'published'
        UNION ALL
        SELECT tc.* FROM public.course_instructors tci
        JOIN public.courses tc ON tc.id = tci.course_id
        WHERE tci.user_id = p.user_id AND tci.role = 'co_instructor'
          AND tc.status = 'published' AND tc.instructor_id <> p.user_id) s
$$;

CREATE OR REPLACE FUNCTION public.instructor_profiles_rating(p public.instructor_profiles)
RETURNS numeric LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT round(
    sum(s.average_rating * s.review_count)
      FILTER (WHERE s.average_rating IS NOT NULL AND s.review_count > 0)
    / nullif(sum(s.review_count)
               FILTER (WHERE s.average_rating IS NOT NULL AND s.review_count > 0), 0),
    2)
  FROM (SELECT tc.* FROM public.courses tc
        WHERE tc.instructor_id = p.user_id AND tc.status = 'published'
        UNION ALL
        SELECT tc.* FROM public.course_instructors tci
        JOIN public.courses tc ON tc.id = tci.course_id
        WHERE tci.user_id = p.user_id AND tci.role = 'co_instructor'
          AND tc.status = 'published' AND tc.instructor_id <> p.user_id) s
$$;
