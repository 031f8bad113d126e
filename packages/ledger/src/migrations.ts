import {
  type Migration,
  migrate as migrateSchema,
  type SchemaDefinition,
  type Sql,
} from '@tollgate/sql'

/**
 * Schema changes, applied in order, each once. Append only: a released migration is never
 * edited, because databases that already ran it would not see the change.
 */
const migrations: Migration[] = [
  {
    id: 1,
    name: 'payments, transactions, nonces',
    sql: `
      create table tollgate_chains (
        network text primary key,
        chain_id bigint not null,
        genesis_hash text not null,
        created_at timestamptz not null default now()
      );
      create table tollgate_payments (
        id bigserial primary key,
        key text not null unique,
        payload_hash text not null,
        network text not null,
        scheme text not null,
        payer text not null,
        pay_to text not null,
        asset text not null,
        amount numeric(78, 0) not null,
        state text not null check (state in
          ('received', 'verified', 'submitted', 'pending', 'confirmed', 'failed')),
        reason text,
        message text,
        tx_hash text,
        payment_identifier text,
        payment jsonb not null,
        owner text,
        lease_until timestamptz,
        attempts integer not null default 1,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index tollgate_payments_open on tollgate_payments (lease_until)
        where state not in ('confirmed', 'failed');
      create index tollgate_payments_created on tollgate_payments (created_at desc);
      create index tollgate_payments_tx on tollgate_payments (tx_hash);
      create unique index tollgate_payments_identifier on tollgate_payments (payment_identifier)
        where payment_identifier is not null;
      create table tollgate_payment_events (
        id bigserial primary key,
        payment_id bigint not null references tollgate_payments (id),
        state text not null,
        reason text,
        tx_hash text,
        at timestamptz not null default now()
      );
      create index tollgate_payment_events_payment on tollgate_payment_events (payment_id);
      create table tollgate_transactions (
        hash text primary key,
        network text not null,
        signer text not null,
        nonce bigint not null,
        raw text not null,
        kind text not null,
        state text not null check (state in ('signed', 'broadcast', 'mined', 'reverted', 'dropped')),
        max_fee_per_gas numeric(78, 0),
        gas_used numeric(78, 0),
        block_number bigint,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index tollgate_transactions_nonce on tollgate_transactions (network, signer, nonce);
      create index tollgate_transactions_open on tollgate_transactions (network)
        where state in ('signed', 'broadcast');
      create table tollgate_transaction_payments (
        tx_hash text not null references tollgate_transactions (hash),
        payment_id bigint not null references tollgate_payments (id),
        primary key (tx_hash, payment_id)
      );
      create index tollgate_transaction_payments_payment on tollgate_transaction_payments (payment_id);
      create table tollgate_signer_nonces (
        network text not null,
        signer text not null,
        next_nonce bigint not null,
        primary key (network, signer)
      );
      create table tollgate_verifications (
        id bigserial primary key,
        network text not null,
        scheme text not null,
        payer text,
        pay_to text not null,
        amount numeric(78, 0) not null,
        reason text,
        at timestamptz not null default now()
      );
    `,
  },
  {
    id: 2,
    name: 'operator stores: API keys, blocklist',
    sql: `
      create table tollgate_api_keys (
        key_hash text primary key check (key_hash ~ '^[0-9a-f]{64}$'),
        merchant text not null,
        networks text[],
        assets text[],
        created_at timestamptz not null default now(),
        revoked_at timestamptz
      );
      create table tollgate_blocklist (
        address text primary key check (address = lower(address) and address <> ''),
        reason text,
        created_at timestamptz not null default now()
      );
    `,
  },
  {
    id: 3,
    name: 'discovery catalogue',
    sql: `
      create table tollgate_discovery_resources (
        resource text not null,
        tool text not null default '',
        type text not null check (type in ('http', 'mcp')),
        item jsonb not null,
        pay_to text[] not null,
        schemes text[] not null,
        networks text[] not null,
        extension_keys text[] not null,
        search tsvector not null,
        last_updated timestamptz not null,
        primary key (resource, tool)
      );
      create index tollgate_discovery_resources_updated
        on tollgate_discovery_resources (last_updated desc);
      create index tollgate_discovery_resources_search
        on tollgate_discovery_resources using gin (search);
    `,
  },
  {
    id: 4,
    name: 'solana settlements by message hash',
    sql: `
      create table tollgate_svm_settlements (
        message_hash text primary key,
        network text not null,
        state text not null check (state in ('claimed', 'submitted', 'finished')),
        owner text not null,
        lease_until timestamptz not null,
        payer text,
        transaction text,
        raw text,
        blockhash text,
        outcome jsonb,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index tollgate_svm_settlements_open
        on tollgate_svm_settlements (state) where state <> 'finished';
    `,
  },
  {
    id: 5,
    name: 'solana settlements in the payments ledger',
    sql: `
      alter table tollgate_svm_settlements
        add column payment_id bigint references tollgate_payments (id);
      create index tollgate_svm_settlements_payment on tollgate_svm_settlements (payment_id);
    `,
  },
  {
    id: 6,
    name: 'finality: included payments, the block of a mined transaction',
    sql: `
      alter table tollgate_payments drop constraint tollgate_payments_state_check;
      alter table tollgate_payments add constraint tollgate_payments_state_check check (state in
        ('received', 'verified', 'submitted', 'pending', 'included', 'confirmed', 'failed'));
      alter table tollgate_transactions add column block_hash text;
      create index tollgate_transactions_mined on tollgate_transactions (network, block_number)
        where state in ('mined', 'reverted');
    `,
  },
  {
    id: 7,
    name: 'solana settlements included before final',
    sql: `
      alter table tollgate_svm_settlements drop constraint tollgate_svm_settlements_state_check;
      alter table tollgate_svm_settlements add constraint tollgate_svm_settlements_state_check
        check (state in ('claimed', 'submitted', 'included', 'finished'));
    `,
  },
  {
    id: 8,
    name: 'transactions by kind, newest first',
    sql: `
      create index tollgate_transactions_kind on tollgate_transactions (network, kind, created_at desc);
    `,
  },
  {
    id: 9,
    name: 'api keys: the addresses a merchant is paid at',
    sql: `
      alter table tollgate_api_keys add column pay_to text[];
    `,
  },
  {
    id: 10,
    name: 'message settlements: any chain whose buyer signs the transaction',
    sql: `
      alter table tollgate_svm_settlements rename to tollgate_message_settlements;
      alter index tollgate_svm_settlements_open rename to tollgate_message_settlements_open;
      alter index tollgate_svm_settlements_payment rename to tollgate_message_settlements_payment;
    `,
  },
  {
    id: 11,
    name: 'credit book: payments served before they settle',
    sql: `
      create table tollgate_credit_entries (
        id text primary key,
        agent text not null,
        unit text not null,
        amount numeric(78, 0) not null check (amount > 0),
        payment text not null,
        deadline timestamptz not null,
        state text not null
          check (state in ('outstanding', 'settled', 'defaulted', 'forgiven')),
        tx_hash text,
        reason text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index tollgate_credit_outstanding on tollgate_credit_entries (unit, agent)
        where state = 'outstanding';
      create index tollgate_credit_outstanding_age on tollgate_credit_entries (created_at, id)
        where state = 'outstanding';
      create index tollgate_credit_debts on tollgate_credit_entries (agent)
        where state = 'defaulted';
    `,
  },
]

/**
 * The ledger's tables: payments, transactions, nonces, API keys, blocklist, discovery, message
 * settlements, credit entries.
 */
export const ledgerSchema: SchemaDefinition = {
  name: 'ledger',
  table: 'tollgate_migrations',
  lockKey: 402402,
  migrations,
}

/** Brings the ledger's schema up to date; concurrent processes serialise on an advisory lock. */
export function migrate(sql: Sql): Promise<void> {
  return migrateSchema(sql, ledgerSchema)
}
