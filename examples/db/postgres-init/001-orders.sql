-- Runs once, when devstack first creates the example's Postgres database ("orders").
CREATE TABLE order_lines (
  id serial PRIMARY KEY,
  customer_id integer NOT NULL,
  sku text NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_lines_customer ON order_lines (customer_id);
