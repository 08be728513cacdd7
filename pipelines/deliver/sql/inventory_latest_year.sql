-- The latest year of the enterprise inventory (NULL when it holds none): the year the build summary and status show.
select max(year) from out_inventory__yearly_enterprise
