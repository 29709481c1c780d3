--
-- PostgreSQL database dump
--


-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: alembic_version_archive; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.alembic_version_archive (
    version_num character varying(32) NOT NULL
);


--
-- Name: alembic_version_handoff; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.alembic_version_handoff (
    version_num character varying(32) NOT NULL
);


--
-- Name: archive_access_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.archive_access_log (
    id integer NOT NULL,
    at timestamp without time zone NOT NULL,
    username character varying(64) NOT NULL,
    action character varying(32) NOT NULL,
    target text NOT NULL,
    result_count integer NOT NULL
);


--
-- Name: archive_access_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.archive_access_log_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: archive_access_log_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.archive_access_log_id_seq OWNED BY public.archive_access_log.id;


--
-- Name: archive_conversations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.archive_conversations (
    conversation_id character varying(255) NOT NULL,
    channel character varying(64),
    first_at timestamp without time zone NOT NULL,
    last_at timestamp without time zone NOT NULL,
    first_seq bigint NOT NULL,
    last_turn_no integer NOT NULL,
    last_seq bigint NOT NULL
);


--
-- Name: archive_head; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.archive_head (
    id integer NOT NULL,
    seq bigint NOT NULL,
    hash character varying(64) NOT NULL,
    at timestamp without time zone
);


--
-- Name: archive_purges; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.archive_purges (
    id integer NOT NULL,
    purged_at timestamp without time zone NOT NULL,
    purged_by character varying(64) NOT NULL,
    older_than_days integer NOT NULL,
    cutoff timestamp without time zone NOT NULL,
    through_seq bigint NOT NULL,
    through_hash character varying(64) NOT NULL,
    turns_deleted integer NOT NULL,
    first_at timestamp without time zone,
    last_at timestamp without time zone,
    tracker_events_deleted integer NOT NULL,
    record_seq bigint NOT NULL
);


--
-- Name: archive_purges_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.archive_purges_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: archive_purges_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.archive_purges_id_seq OWNED BY public.archive_purges.id;


--
-- Name: archive_turns; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.archive_turns (
    seq bigint NOT NULL,
    conversation_id character varying(255) NOT NULL,
    turn_no integer NOT NULL,
    conv_prev_seq bigint,
    at timestamp without time zone NOT NULL,
    speaker character varying(16) NOT NULL,
    event character varying(40) NOT NULL,
    clerk_id character varying(64),
    text text NOT NULL,
    intent character varying(255),
    confidence double precision,
    form_ids text NOT NULL,
    channel character varying(64),
    flags character varying(400) NOT NULL,
    source_key character varying(255),
    extra text,
    search_text text NOT NULL,
    prev_hash character varying(64) NOT NULL,
    hash character varying(64) NOT NULL
);


--
-- Name: archive_users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.archive_users (
    id integer NOT NULL,
    username character varying(64) NOT NULL,
    display_name character varying(200) NOT NULL,
    role character varying(16) NOT NULL,
    password_hash character varying(255) NOT NULL,
    active boolean NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    CONSTRAINT ck_archive_users_role CHECK (((role)::text = ANY ((ARRAY['clerk'::character varying, 'auditor'::character varying, 'admin'::character varying])::text[])))
);


--
-- Name: archive_users_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.archive_users_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: archive_users_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.archive_users_id_seq OWNED BY public.archive_users.id;


--
-- Name: handoff_clerks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.handoff_clerks (
    id integer NOT NULL,
    username character varying(64) NOT NULL,
    display_name character varying(120) NOT NULL,
    password_hash character varying(255) NOT NULL,
    presence character varying(16) DEFAULT 'indisponibil'::character varying NOT NULL,
    last_seen_at timestamp without time zone,
    disabled boolean DEFAULT false NOT NULL,
    created_at timestamp without time zone NOT NULL,
    CONSTRAINT ck_handoff_clerks_presence CHECK (((presence)::text = ANY ((ARRAY['activ'::character varying, 'indisponibil'::character varying])::text[])))
);


--
-- Name: handoff_clerks_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.handoff_clerks_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: handoff_clerks_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.handoff_clerks_id_seq OWNED BY public.handoff_clerks.id;


--
-- Name: handoff_conversations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.handoff_conversations (
    id character varying(64) NOT NULL,
    state character varying(16) DEFAULT 'bot'::character varying NOT NULL,
    clerk_id integer,
    topic character varying(200),
    form_id character varying(100),
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    queued_at timestamp without time zone,
    taken_at timestamp without time zone,
    citizen_seen_at timestamp without time zone,
    paused_until timestamp without time zone,
    flag character varying(40),
    flag_note character varying(500),
    flagged_at timestamp without time zone,
    CONSTRAINT ck_handoff_conversations_clerk CHECK ((((state)::text = 'clerk'::text) = (clerk_id IS NOT NULL))),
    CONSTRAINT ck_handoff_conversations_state CHECK (((state)::text = ANY ((ARRAY['bot'::character varying, 'queued'::character varying, 'clerk'::character varying, 'closed'::character varying])::text[])))
);


--
-- Name: handoff_messages; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.handoff_messages (
    id integer NOT NULL,
    conversation_id character varying(64) NOT NULL,
    sender character varying(16) NOT NULL,
    clerk_id integer,
    author character varying(120),
    text text DEFAULT ''::text NOT NULL,
    data json,
    created_at timestamp without time zone NOT NULL,
    CONSTRAINT ck_handoff_messages_sender CHECK (((sender)::text = ANY ((ARRAY['citizen'::character varying, 'bot'::character varying, 'clerk'::character varying, 'system'::character varying])::text[])))
);


--
-- Name: handoff_messages_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.handoff_messages_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: handoff_messages_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.handoff_messages_id_seq OWNED BY public.handoff_messages.id;


--
-- Name: handoff_sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.handoff_sessions (
    token_hash character varying(64) NOT NULL,
    clerk_id integer NOT NULL,
    created_at timestamp without time zone NOT NULL,
    expires_at timestamp without time zone NOT NULL
);


--
-- Name: tracker_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tracker_events (
    id bigint NOT NULL,
    sender_id character varying(255) NOT NULL,
    type_name character varying(255) NOT NULL,
    "timestamp" double precision,
    intent_name character varying(255),
    action_name character varying(255),
    data text
);


--
-- Name: tracker_events_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.tracker_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: tracker_events_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.tracker_events_id_seq OWNED BY public.tracker_events.id;


--
-- Name: archive_access_log id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.archive_access_log ALTER COLUMN id SET DEFAULT nextval('public.archive_access_log_id_seq'::regclass);


--
-- Name: archive_purges id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.archive_purges ALTER COLUMN id SET DEFAULT nextval('public.archive_purges_id_seq'::regclass);


--
-- Name: archive_users id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.archive_users ALTER COLUMN id SET DEFAULT nextval('public.archive_users_id_seq'::regclass);


--
-- Name: handoff_clerks id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.handoff_clerks ALTER COLUMN id SET DEFAULT nextval('public.handoff_clerks_id_seq'::regclass);


--
-- Name: handoff_messages id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.handoff_messages ALTER COLUMN id SET DEFAULT nextval('public.handoff_messages_id_seq'::regclass);


--
-- Name: tracker_events id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tracker_events ALTER COLUMN id SET DEFAULT nextval('public.tracker_events_id_seq'::regclass);


--
-- Data for Name: alembic_version_archive; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.alembic_version_archive VALUES ('0001_archive_initial');


--
-- Data for Name: alembic_version_handoff; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.alembic_version_handoff VALUES ('0002');


--
-- Data for Name: archive_access_log; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: archive_conversations; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.archive_conversations VALUES ('062ee70374a4431ca48ed0dba18e49fd', NULL, '2026-12-01 15:10:56.454659', '2026-12-01 15:10:56.463871', 1, 2, 2);


--
-- Data for Name: archive_head; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.archive_head VALUES (1, 2, '646841d47a3c5d7eb9dcd7770407e57298624cc9540aff6dfebaad60a1d9b73c', '2026-12-01 15:10:56.463871');


--
-- Data for Name: archive_purges; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: archive_turns; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.archive_turns VALUES (1, '062ee70374a4431ca48ed0dba18e49fd', 1, NULL, '2026-12-01 15:10:56.454659', 'citizen', 'message', NULL, 'Bună ziua, ce acte trebuie pentru certificatul de urbanism?', NULL, NULL, '[]', NULL, ',', NULL, NULL, 'buna ziua, ce acte trebuie pentru certificatul de urbanism?', '0000000000000000000000000000000000000000000000000000000000000000', '3a80dd946f03c381ae555f06a0a59e36f215f6594d1c4f772f3bd2e7f8b2f010');
INSERT INTO public.archive_turns VALUES (2, '062ee70374a4431ca48ed0dba18e49fd', 2, 1, '2026-12-01 15:10:56.463871', 'bot', 'message', NULL, 'Pentru certificatul de urbanism aveți nevoie de…', NULL, NULL, '[]', NULL, ',', NULL, NULL, 'pentru certificatul de urbanism aveti nevoie de...', '3a80dd946f03c381ae555f06a0a59e36f215f6594d1c4f772f3bd2e7f8b2f010', '646841d47a3c5d7eb9dcd7770407e57298624cc9540aff6dfebaad60a1d9b73c');


--
-- Data for Name: archive_users; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.archive_users VALUES (1, 'ioana.auditor', 'Ioana Auditor', 'auditor', '$argon2id$v=19$m=65536,t=3,p=4$qco8kxz3yEfMDnv0GOpMMw$oQ27oIgFlfR+rxo2ZpBQC92pNbZ4XthZC2uKzrnBGD0', true, '2026-12-01 15:10:55.19966', '2026-12-01 15:10:55.19966');


--
-- Data for Name: handoff_clerks; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.handoff_clerks VALUES (1, 'ana.popescu', 'Ana Popescu', '$argon2id$v=19$m=65536,t=3,p=4$xAreV+BpoaDeq/wmXh8YcA$FfXomNETZFiYoKChVnHdH2DuQ5aSlXP0kdayVXvVIOU', 'indisponibil', NULL, false, '2026-12-01 15:10:54.841119');


--
-- Data for Name: handoff_conversations; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.handoff_conversations VALUES ('062ee70374a4431ca48ed0dba18e49fd', 'bot', NULL, NULL, NULL, '2026-11-30 10:00:00', '2026-11-30 10:00:00', NULL, NULL, '2026-11-30 10:00:00', NULL, NULL, NULL, NULL);


--
-- Data for Name: handoff_messages; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.handoff_messages VALUES (1, '062ee70374a4431ca48ed0dba18e49fd', 'citizen', NULL, NULL, 'Bună ziua, ce acte trebuie pentru certificatul de urbanism?', 'null', '2026-11-30 10:00:00');
INSERT INTO public.handoff_messages VALUES (2, '062ee70374a4431ca48ed0dba18e49fd', 'bot', NULL, 'Asistentul virtual', 'Pentru certificatul de urbanism aveți nevoie de…', 'null', '2026-11-30 10:00:00');


--
-- Data for Name: handoff_sessions; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: tracker_events; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Name: archive_access_log_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.archive_access_log_id_seq', 1, false);


--
-- Name: archive_purges_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.archive_purges_id_seq', 1, false);


--
-- Name: archive_users_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.archive_users_id_seq', 1, true);


--
-- Name: handoff_clerks_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.handoff_clerks_id_seq', 1, true);


--
-- Name: handoff_messages_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.handoff_messages_id_seq', 2, true);


--
-- Name: tracker_events_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.tracker_events_id_seq', 1, false);


--
-- Name: alembic_version_archive alembic_version_archive_pkc; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alembic_version_archive
    ADD CONSTRAINT alembic_version_archive_pkc PRIMARY KEY (version_num);


--
-- Name: alembic_version_handoff alembic_version_handoff_pkc; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alembic_version_handoff
    ADD CONSTRAINT alembic_version_handoff_pkc PRIMARY KEY (version_num);


--
-- Name: archive_access_log archive_access_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.archive_access_log
    ADD CONSTRAINT archive_access_log_pkey PRIMARY KEY (id);


--
-- Name: archive_conversations archive_conversations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.archive_conversations
    ADD CONSTRAINT archive_conversations_pkey PRIMARY KEY (conversation_id);


--
-- Name: archive_head archive_head_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.archive_head
    ADD CONSTRAINT archive_head_pkey PRIMARY KEY (id);


--
-- Name: archive_purges archive_purges_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.archive_purges
    ADD CONSTRAINT archive_purges_pkey PRIMARY KEY (id);


--
-- Name: archive_turns archive_turns_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.archive_turns
    ADD CONSTRAINT archive_turns_pkey PRIMARY KEY (seq);


--
-- Name: archive_users archive_users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.archive_users
    ADD CONSTRAINT archive_users_pkey PRIMARY KEY (id);


--
-- Name: archive_users archive_users_username_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.archive_users
    ADD CONSTRAINT archive_users_username_key UNIQUE (username);


--
-- Name: handoff_clerks handoff_clerks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.handoff_clerks
    ADD CONSTRAINT handoff_clerks_pkey PRIMARY KEY (id);


--
-- Name: handoff_clerks handoff_clerks_username_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.handoff_clerks
    ADD CONSTRAINT handoff_clerks_username_key UNIQUE (username);


--
-- Name: handoff_conversations handoff_conversations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.handoff_conversations
    ADD CONSTRAINT handoff_conversations_pkey PRIMARY KEY (id);


--
-- Name: handoff_messages handoff_messages_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.handoff_messages
    ADD CONSTRAINT handoff_messages_pkey PRIMARY KEY (id);


--
-- Name: handoff_sessions handoff_sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.handoff_sessions
    ADD CONSTRAINT handoff_sessions_pkey PRIMARY KEY (token_hash);


--
-- Name: tracker_events tracker_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tracker_events
    ADD CONSTRAINT tracker_events_pkey PRIMARY KEY (id);


--
-- Name: archive_turns uq_archive_turns_conv_source; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.archive_turns
    ADD CONSTRAINT uq_archive_turns_conv_source UNIQUE (conversation_id, source_key);


--
-- Name: archive_turns uq_archive_turns_conv_turn; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.archive_turns
    ADD CONSTRAINT uq_archive_turns_conv_turn UNIQUE (conversation_id, turn_no);


--
-- Name: ix_archive_access_log_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_archive_access_log_at ON public.archive_access_log USING btree (at);


--
-- Name: ix_archive_access_log_username; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_archive_access_log_username ON public.archive_access_log USING btree (username);


--
-- Name: ix_archive_conversations_last_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_archive_conversations_last_at ON public.archive_conversations USING btree (last_at);


--
-- Name: ix_archive_turns_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_archive_turns_at ON public.archive_turns USING btree (at);


--
-- Name: ix_archive_turns_clerk_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_archive_turns_clerk_id ON public.archive_turns USING btree (clerk_id);


--
-- Name: ix_archive_turns_intent; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_archive_turns_intent ON public.archive_turns USING btree (intent);


--
-- Name: ix_handoff_conversations_paused_until; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_handoff_conversations_paused_until ON public.handoff_conversations USING btree (paused_until);


--
-- Name: ix_handoff_conversations_state_queued; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_handoff_conversations_state_queued ON public.handoff_conversations USING btree (state, queued_at);


--
-- Name: ix_handoff_messages_conversation_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_handoff_messages_conversation_id ON public.handoff_messages USING btree (conversation_id);


--
-- Name: ix_handoff_sessions_clerk_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_handoff_sessions_clerk_id ON public.handoff_sessions USING btree (clerk_id);


--
-- Name: ix_tracker_events_sender_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_tracker_events_sender_id ON public.tracker_events USING btree (sender_id);


--
-- Name: ix_tracker_events_timestamp; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_tracker_events_timestamp ON public.tracker_events USING btree ("timestamp");


--
-- Name: handoff_conversations handoff_conversations_clerk_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.handoff_conversations
    ADD CONSTRAINT handoff_conversations_clerk_id_fkey FOREIGN KEY (clerk_id) REFERENCES public.handoff_clerks(id);


--
-- Name: handoff_messages handoff_messages_clerk_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.handoff_messages
    ADD CONSTRAINT handoff_messages_clerk_id_fkey FOREIGN KEY (clerk_id) REFERENCES public.handoff_clerks(id);


--
-- Name: handoff_messages handoff_messages_conversation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.handoff_messages
    ADD CONSTRAINT handoff_messages_conversation_id_fkey FOREIGN KEY (conversation_id) REFERENCES public.handoff_conversations(id);


--
-- Name: handoff_sessions handoff_sessions_clerk_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.handoff_sessions
    ADD CONSTRAINT handoff_sessions_clerk_id_fkey FOREIGN KEY (clerk_id) REFERENCES public.handoff_clerks(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--


