/* A goto out of the scope of a variable-length array frees it; the
   labels inside statement expressions are not followed for that, so a
   function with both is refused rather than freeing an array in use. */
int main(int argc, char **argv) {
    int v[argc + 1];
    v[0] = 1;
    int r = ({
        int i = 0;
    again:
        if (++i < 3)
            goto again;
        i + v[0];
    });
    return r - 4;
}
