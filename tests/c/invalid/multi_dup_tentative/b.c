int y;
int x;
