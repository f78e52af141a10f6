INSERT INTO order_lines (customer_id, sku, quantity) VALUES (1, 'kb-01', 1), (1, 'ms-02', 2), (2, 'mn-03', 1);
