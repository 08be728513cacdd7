-- Name and city code of each enterprise in the list $usccs (one query, however many candidates a short text found).
select uscc, enterprise_name, city_code from core_enterprise__entity where list_contains($usccs, uscc)
